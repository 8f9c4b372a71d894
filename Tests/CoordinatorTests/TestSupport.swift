import Coordinator
import MagnusTestSupport
import Shared

/// A predictor that returns whatever the test put in `referenceOutputTokens`.
struct FixedPredictor: LengthPredicting {
    func predict(_ request: Request) -> LengthPrediction {
        let value = request.referenceOutputTokens ?? 10
        return LengthPrediction(expected: value, upper: value * 2)
    }
}

/// An estimator whose time is the predicted generation length in seconds.
struct GenerationSecondsEstimator: BatchTimeEstimating {
    func estimate(_ batch: BatchFeatures) -> Seconds { Double(batch.maxGeneration) }
}

func makeRequest(_ id: String, input: Int, generation: Int, arrival: Seconds = 0, app: String = "app") -> Request {
    Request(
        id: RequestID(id), application: app, instruction: "Do it:", input: "x", inputTokens: input,
        maxNewTokens: 4096, arrival: arrival, referenceOutputTokens: generation)
}

func makeScheduler(
    policy: BatchingPolicy = .magnus, threshold: Double = 1e12, capacity: Int = 1_000_000, maxAttempts: Int = 3
) -> Scheduler {
    Scheduler(
        configuration: SchedulerConfiguration(
            policy: policy, wmaThreshold: threshold, kvTokenCapacity: capacity, maxAttempts: maxAttempts),
        predictor: FixedPredictor(), estimator: GenerationSecondsEstimator())
}

let bigWorker = WorkerCapabilities(
    gpu: "test", model: "test", memoryBytes: 1 << 40, kvBudgetBytes: 1 << 30, kvBytesPerToken: 1, continuation: true)

func drain(_ scheduler: inout Scheduler, now: Seconds = 0) -> [[String]] {
    var batches: [[String]] = []
    while let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: now) {
        batches.append(batch.requests.map(\.id.rawValue).sorted())
    }
    return batches
}
