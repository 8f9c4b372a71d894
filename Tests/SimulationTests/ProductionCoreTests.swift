import Coordinator
import Shared
import Testing
import Worker
@testable import Simulation

/// The simulator drives the production coordinator core: deadlines, drains and worker loss
/// happen inside simulated runs exactly as in the real service.
@Suite struct ProductionCoreTests {
    let profile = EngineProfile.v100ChatGLM6B

    func requests(count: Int, rate: Double, deadline: Seconds? = nil, seed: UInt64 = 5) -> [Request] {
        let generator = SyntheticWorkload(statistics: BuiltInWorkload.paperTasks)
        let counter = HeuristicTokenCounter()
        let examples = generator.records(count: 300, seed: seed).map { LengthExample(record: $0, counter: counter) }
        let workload = ServingWorkload(training: examples, pool: examples, traceArrivals: nil, description: "test")
        return workload.requests(count: count, rate: rate, maxNewTokens: 512, seed: seed).map { request in
            var request = request
            request.deadline = deadline.map { request.arrival + $0 }
            return request
        }
    }

    func simulator(_ requests: [Request], workers: Int, settings: RuntimeSettings? = nil) -> ClusterSimulator {
        let scheduler = Scheduler(
            configuration: SchedulerConfiguration(policy: .magnus, kvTokenCapacity: profile.capabilities.kvTokenCapacity),
            predictor: OracleLengthPredictor(), estimator: profile.analyticPrior)
        let cluster = (0..<workers).map {
            SimulatedWorker(id: WorkerID("gpu\($0)"), engine: SimulatedGPUEngine(profile: profile, seed: UInt64($0)))
        }
        return ClusterSimulator(
            scheduler: scheduler, workers: cluster, requests: requests, estimatorRetrainInterval: nil, settings: settings)
    }

    @Test func deadlinesAreRefusedOrExpireInsideASimulatedRun() {
        // One worker, far more offered than it can serve, every request due within 20 s: the
        // runtime refuses those forecast to miss it and expires those still queued at it.
        let all = requests(count: 300, rate: 50, deadline: 20)
        var simulator = simulator(all, workers: 1)
        let recorder = simulator.run()
        let expired = recorder.errorCounts[.deadlineExceeded] ?? 0
        #expect(expired > 0)
        #expect(recorder.responseTimes.count + recorder.failed + recorder.rejected == all.count)
        #expect(recorder.responseTimes.count > 0)
        #expect(simulator.runtime.pendingCount == 0)
    }

    @Test func aDrainRefusesQueuedAndLaterRequestsAndFinishesRunningBatches() {
        let all = requests(count: 400, rate: 40)
        var simulator = simulator(all, workers: 2)
        simulator.drainAt = 4
        let recorder = simulator.run()
        let refused = recorder.errorCounts[.shuttingDown] ?? 0
        #expect(refused > 0)
        #expect(recorder.responseTimes.count > 0)
        // Exactly one final answer per request: results plus shutting_down (and nothing else).
        #expect(recorder.responseTimes.count + refused == all.count)
        #expect(simulator.runtime.isDraining)
        #expect(simulator.runtime.isStopped)
    }

    @Test func aSilentWorkersBatchIsRequeuedAndFinishedElsewhere() {
        let all = requests(count: 200, rate: 10)
        var simulator = simulator(all, workers: 2)
        simulator.failures = [0: 3]
        let recorder = simulator.run()
        #expect(recorder.requeues >= 1)
        #expect(recorder.responseTimes.count == all.count)
        #expect(recorder.failed + recorder.rejected == 0)
        #expect(simulator.runtime.workerCount == 1)
    }

    @Test func admissionLimitsApplyInsideASimulatedRun() {
        var settings = ClusterSimulator.simulationSettings(for: [])
        settings.maxInputTokens = 100
        let all = requests(count: 200, rate: 20)
        let long = all.filter { $0.inputTokens > 100 }.count
        var simulator = simulator(all, workers: 2, settings: settings)
        let recorder = simulator.run()
        #expect(long > 0)
        #expect(recorder.errorCounts[.inputTooLong] == long)
        #expect(recorder.responseTimes.count == all.count - long)
    }
}
