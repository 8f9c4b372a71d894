import Coordinator
import Shared
import Testing
import Worker
@testable import Simulation

@Suite struct SimulatorTests {
    let profile = EngineProfile.v100ChatGLM6B

    func workload(count: Int, rate: Double, seed: UInt64 = 3) throws -> [Request] {
        let generator = SyntheticWorkload(statistics: BuiltInWorkload.paperTasks)
        let counter = HeuristicTokenCounter()
        let examples = generator.records(count: 400, seed: seed).map { LengthExample(record: $0, counter: counter) }
        let workload = ServingWorkload(training: examples, pool: examples, traceArrivals: nil, description: "test")
        return workload.requests(count: count, rate: rate, maxNewTokens: 512, seed: seed)
    }

    func simulate(_ policy: BatchingPolicy, requests: [Request], workers: Int = 4, seed: UInt64 = 1) -> MetricsRecorder {
        let scheduler = Scheduler(
            configuration: SchedulerConfiguration(policy: policy, kvTokenCapacity: profile.capabilities.kvTokenCapacity),
            predictor: OracleLengthPredictor(), estimator: profile.analyticPrior)
        let cluster = (0..<workers).map {
            SimulatedWorker(id: WorkerID("gpu\($0)"), engine: SimulatedGPUEngine(profile: profile, seed: seed &+ UInt64($0), jitterSigma: 0.1))
        }
        var simulator = ClusterSimulator(scheduler: scheduler, workers: cluster, requests: requests)
        return simulator.run()
    }

    @Test(arguments: [BatchingPolicy.vanilla(batchSize: 8), .glp(batchSize: 8), .abp, .magnus])
    func everyRequestFinishesExactlyOnce(policy: BatchingPolicy) throws {
        let requests = try workload(count: 600, rate: 20)
        let recorder = simulate(policy, requests: requests)
        #expect(recorder.responseTimes.count + recorder.failed + recorder.rejected == requests.count)
        #expect(recorder.responseTimes.allSatisfy { $0 > 0 })
        #expect(recorder.batchedRequests >= recorder.responseTimes.count)
    }

    @Test func theSameSeedGivesTheSameRun() throws {
        let requests = try workload(count: 300, rate: 10)
        let a = simulate(.magnus, requests: requests)
        let b = simulate(.magnus, requests: requests)
        #expect(a.responseTimes == b.responseTimes)
        #expect(a.busyTime == b.busyTime)
        let c = simulate(.magnus, requests: requests, seed: 99)
        #expect(a.responseTimes != c.responseTimes)
    }

    @Test func vanillaWithBatchSizeOneIsSequentialService() throws {
        // One worker, batch size 1: request i starts when both it has arrived and i − 1 has
        // finished, and takes exactly its own single-request service time.
        let requests = try workload(count: 120, rate: 2)
        let scheduler = Scheduler(
            configuration: SchedulerConfiguration(policy: .vanilla(batchSize: 1), kvTokenCapacity: profile.capabilities.kvTokenCapacity),
            predictor: OracleLengthPredictor(), estimator: profile.analyticPrior)
        let engine = SimulatedGPUEngine(profile: profile)
        var simulator = ClusterSimulator(
            scheduler: scheduler, workers: [SimulatedWorker(id: WorkerID("gpu0"), engine: engine)], requests: requests,
            estimatorRetrainInterval: nil)
        let recorder = simulator.run()
        var free = 0.0
        var expected: [Double] = []
        for request in requests.sorted(by: { ($0.arrival, $0.id) < ($1.arrival, $1.id) }) {
            let service = profile.predictRun(
                batchSize: 1, paddedInput: request.inputTokens,
                generatedMax: min(request.referenceOutputTokens!, request.maxNewTokens)).duration
            let start = max(free, request.arrival)
            free = start + service
            expected.append(free - request.arrival)
        }
        #expect(recorder.responseTimes.count == expected.count)
        for (got, want) in zip(recorder.responseTimes, expected) { #expect(abs(got - want) < 1e-6) }
    }

    @Test func eventQueueRunsInTimeThenInsertionOrder() {
        var queue = EventQueue<String>()
        queue.schedule("c", at: 2)
        queue.schedule("a", at: 1)
        queue.schedule("b", at: 1)
        queue.schedule("d", at: 3)
        var order: [String] = []
        while let (_, event) = queue.pop() { order.append(event) }
        #expect(order == ["a", "b", "c", "d"])
    }

    @Test func policyNamesParse() {
        #expect(PolicySpec.parse("vs:8")?.description == "VS-8")
        #expect(PolicySpec.parse("oracle")?.description == "Magnus-oracle")
        #expect(PolicySpec.parse("ccb") == .continuous(.conservative, oracle: false))
        #expect(PolicySpec.parse("vs:0") == nil)
        #expect(PolicySpec.parse("bogus") == nil)
        #expect(PolicySpec.parse("magnus-ua")?.description == "Magnus-UA")
        #expect(PolicySpec.parse("magnus-ua-risk")?.description == "Magnus-UA-risk")
    }

    @Test func uncertaintyAwareRunsJoinContinuedOutputsAndNeverOutgrowMemory() throws {
        let generator = SyntheticWorkload(statistics: BuiltInWorkload.paperTasks)
        let counter = HeuristicTokenCounter()
        let examples = generator.records(count: 4_000, seed: 5).map { LengthExample(record: $0, counter: counter) }
        let calibrated = CalibratedLengthPredictor.train(
            examples: examples, forest: RandomForestConfiguration(trees: 10, seed: 1))
        let requests = ServingWorkload(training: [], pool: examples, traceArrivals: nil, description: "test")
            .requests(count: 800, rate: 40, maxNewTokens: 512, seed: 5)
        let scheduler = Scheduler(
            configuration: SchedulerConfiguration(
                policy: .magnus, kvTokenCapacity: profile.capabilities.kvTokenCapacity, prefillMemory: profile.capabilities.prefill),
            predictor: calibrated.base, estimator: profile.analyticPrior,
            uncertainty: UncertaintyModel(calibration: calibrated.calibration))
        let cluster = (0..<4).map {
            SimulatedWorker(id: WorkerID("gpu\($0)"), engine: SimulatedGPUEngine(profile: profile, seed: UInt64($0)))
        }
        var simulator = ClusterSimulator(scheduler: scheduler, workers: cluster, requests: requests)
        var lengths: [RequestID: Int] = [:]
        let recorder = simulator.run()
        #expect(recorder.responseTimes.count == requests.count && recorder.failed == 0)
        #expect(recorder.continuations > 0, "no row reached a cap")
        #expect(recorder.oomEvents == 0)
        // Joined outputs: the total generated equals the references (capped at max_new_tokens).
        for request in requests { lengths[request.id] = min(request.referenceOutputTokens ?? 0, request.maxNewTokens) }
        #expect(recorder.generatedTokens == lengths.values.reduce(0, +))
        let coverage = recorder.metrics(policy: "Magnus-UA", offeredRate: 40, workers: 4).upperBoundCoverage
        #expect(Set(coverage.keys) == Set(requests.map(\.application)))
        #expect(coverage.values.allSatisfy { $0 > 0.5 && $0 <= 1 })
    }

    @Test func seedSummaryAveragesRatiosPerSeed() {
        func metrics(_ policy: String, _ throughput: Double) -> SimulationMetrics {
            var recorder = MetricsRecorder()
            recorder.submitted = 1
            var m = recorder.metrics(policy: policy, offeredRate: 32, workers: 1)
            m.requestThroughput = throughput
            return m
        }
        let runs = [[metrics("Magnus", 10), metrics("Magnus-UA", 13)], [metrics("Magnus", 10), metrics("Magnus-UA", 15)]]
        let table = ServingReport.seedSummary(runs, baselines: ["Magnus"]).markdown
        #expect(table.contains("| 32 | Magnus-UA | 2 | 14.00 |"))
        #expect(table.contains("1.40x [1.30, 1.50]"))
    }

    @Test func ratesAreShownAsGiven() {
        #expect(ServingReport.rate(0.25) == "0.25")
        #expect(ServingReport.rate(32) == "32")
        #expect(ServingReport.rate(12.5) == "12.5")
    }
}
