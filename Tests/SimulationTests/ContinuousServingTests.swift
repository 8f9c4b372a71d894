import Coordinator
import Shared
import Testing
import Worker
@testable import Simulation

/// The continuous policies on continuous simulated workers, through the production cores:
/// every request answered once with its whole text, reservations released, preemptions
/// continued, lost workers' admissions requeued, and the length-aware order paying off.
@Suite struct ContinuousServingTests {
    static let profile = EngineProfile.v100ChatGLM6B

    static func requests(count: Int, rate: Double, seed: UInt64 = 5, maxNewTokens: Int = 512) -> [Request] {
        let counter = HeuristicTokenCounter()
        let examples = SyntheticWorkload(statistics: BuiltInWorkload.paperTasks).records(count: 400, seed: seed)
            .map { LengthExample(record: $0, counter: counter) }
        let workload = ServingWorkload(training: examples, pool: examples, traceArrivals: nil, description: "test")
        return workload.requests(count: count, rate: rate, maxNewTokens: maxNewTokens, seed: seed)
    }

    /// A simulated cluster of continuous workers under `policy`, with true lengths as the
    /// predictor (so the test does not depend on a trained forest).
    static func simulator(
        _ policy: ContinuousPolicy, requests: [Request], workers: Int = 3, profile: EngineProfile = profile
    ) -> ClusterSimulator {
        let scheduler = Scheduler(
            configuration: SchedulerConfiguration(
                kvTokenCapacity: profile.continuousCapacity.kvTokenSlots, continuous: policy),
            predictor: OracleLengthPredictor(), estimator: profile.analyticPrior)
        let cluster = (0..<workers).map {
            SimulatedWorker(
                id: WorkerID("gpu\($0)"), continuousEngine: SimulatedContinuousEngine(profile: profile),
                staticFallback: SimulatedGPUEngine(profile: profile))
        }
        return ClusterSimulator(scheduler: scheduler, workers: cluster, requests: requests, estimatorRetrainInterval: nil)
    }

    /// The V100 profile with a paged cache of about `slots` token slots, so that memory binds.
    static func tight(slots: Int) -> EngineProfile {
        var profile = profile
        profile.workspaceReserveBytes = profile.gpu.memoryBytes - profile.model.weightBytes - profile.fixedReserveBytes
            - slots * profile.model.kvBytesPerToken
        return profile
    }

    @Test(arguments: [ContinuousPolicy.conservative, .pagedFirstComeFirstServed, .magnus(), .oracle])
    func everyRequestIsAnsweredOnceAndReservationsAreReleased(policy: ContinuousPolicy) {
        let requests = Self.requests(count: 300, rate: 40)
        var simulator = Self.simulator(policy, requests: requests)
        let recorder = simulator.run()
        #expect(recorder.responseTimes.count == requests.count, "\(policy)")
        #expect(recorder.failed + recorder.rejected == 0)
        #expect(recorder.generatedTokens == requests.reduce(0) { $0 + min($1.referenceOutputTokens!, $1.maxNewTokens) })
        #expect(simulator.runtime.scheduler.running.isEmpty && simulator.runtime.scheduler.reservedTokens.isEmpty)
        #expect(recorder.firstTokenTimes.count == requests.count)
        #expect(zip(recorder.firstTokenTimes.sorted(), recorder.responseTimes.sorted()).allSatisfy { $0 <= $1 + 1e-9 })
    }

    /// `count` requests at once with 100-token prompts and 300-token answers: their prompts
    /// fit a small cache many times over, their whole lengths do not.
    static func growing(count: Int) -> [Request] {
        (0..<count).map { index in
            Request(
                id: RequestID("g\(index)"), application: "chat", instruction: "", input: "", inputTokens: 100, maxNewTokens: 400,
                arrival: Double(index) * 1e-3, referenceOutputTokens: 300)
        }
    }

    @Test func pagedAdmissionPreemptsUnderMemoryPressureAndLosesNothing() {
        let requests = Self.growing(count: 120)
        var simulator = Self.simulator(.pagedFirstComeFirstServed, requests: requests, workers: 2, profile: Self.tight(slots: 4096))
        let recorder = simulator.run()
        #expect(recorder.preemptions > 0)
        #expect(recorder.responseTimes.count == requests.count && recorder.failed == 0)
        // Preempted requests continue from their text: every one ends with its whole length.
        #expect(recorder.generatedTokens == requests.reduce(0) { $0 + min($1.referenceOutputTokens!, $1.maxNewTokens) })
        #expect(recorder.recomputedTokens > 0)
    }

    @Test func reservationsKeepPreemptionsAway() {
        let requests = Self.growing(count: 120)
        for policy in [ContinuousPolicy.conservative, .oracle] {
            var simulator = Self.simulator(policy, requests: requests, workers: 2, profile: Self.tight(slots: 4096))
            let recorder = simulator.run()
            #expect(recorder.preemptions == 0, "\(policy)")
            #expect(recorder.responseTimes.count == requests.count)
        }
    }

    @Test func theWorstCaseReservationNeverPreempts() {
        let requests = Self.requests(count: 200, rate: 1000)
        var simulator = Self.simulator(.conservative, requests: requests, workers: 2, profile: Self.tight(slots: 4096))
        let recorder = simulator.run()
        #expect(recorder.preemptions == 0)
        #expect(recorder.responseTimes.count == requests.count)
    }

    @Test func shortestFirstCutsTheMeanLatencyOfASaturatedQueue() {
        let requests = Self.requests(count: 600, rate: 10_000)
        var fcfs = Self.simulator(.pagedFirstComeFirstServed, requests: requests, workers: 2)
        var oracle = Self.simulator(.oracle, requests: requests, workers: 2)
        let a = fcfs.run().metrics(policy: "fcfs-cb", offeredRate: 0, workers: 2)
        let b = oracle.run().metrics(policy: "oracle-cb", offeredRate: 0, workers: 2)
        #expect(a.completed == 600 && b.completed == 600)
        #expect(b.meanResponse < a.meanResponse, "\(b.meanResponse) vs \(a.meanResponse)")
        #expect(b.meanTimeToFirstToken < a.meanTimeToFirstToken)
    }

    @Test func aLostWorkersAdmissionsRunElsewhere() {
        let requests = Self.requests(count: 200, rate: 50)
        var simulator = Self.simulator(.magnus(), requests: requests, workers: 3)
        simulator.failures = [0: requests[100].arrival]
        let recorder = simulator.run()
        #expect(recorder.responseTimes.count == requests.count)
        #expect(recorder.requeues > 0)
        #expect(simulator.runtime.workerCount == 2)
    }

    @Test func continuousPoliciesRefuseStaticWorkersAndTheReverse() {
        let requests = Self.requests(count: 20, rate: 10)
        let scheduler = Scheduler(
            configuration: SchedulerConfiguration(kvTokenCapacity: 10_000, continuous: .conservative),
            predictor: OracleLengthPredictor(), estimator: Self.profile.analyticPrior)
        var runtime = CoordinatorRuntime(settings: ClusterSimulator.simulationSettings(for: requests), scheduler: scheduler)
        let hello = HelloMessage(worker: WorkerID("static"), capabilities: Self.profile.capabilities)
        let out = runtime.receiveWorker(.hello(hello), from: RoutingID("static"), now: 0)
        #expect(runtime.workerCount == 0)
        #expect(out.contains { output in
            if case .worker(_, .error(let error)) = output { return error.code == .incompatibleWorker }
            return false
        })
    }
}
