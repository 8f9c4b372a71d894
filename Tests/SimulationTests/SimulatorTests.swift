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

    @Test func continuousBatchingFinishesEveryRequestOnce() throws {
        let requests = try workload(count: 400, rate: 20)
        let recorder = ContinuousBatchingSimulator(profile: profile, workers: 3, requests: requests).run()
        #expect(recorder.responseTimes.count + recorder.rejected == requests.count)
        #expect(recorder.responseTimes.allSatisfy { $0 > 0 })
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
        #expect(PolicySpec.parse("ccb") == .conservativeContinuousBatching)
        #expect(PolicySpec.parse("vs:0") == nil)
        #expect(PolicySpec.parse("bogus") == nil)
    }
}
