import Coordinator
import Shared

/// A predictor that answers with the request's `referenceOutputTokens` (or 10), upper bound
/// twice that: predictions the test controls exactly.
public struct ReferencePredictor: LengthPredicting {
    public init() {}
    public func predict(_ request: Request) -> LengthPrediction {
        let value = request.referenceOutputTokens ?? 10
        return LengthPrediction(expected: value, upper: value * 2)
    }
}

/// Predicts the same length for everything (within each request's `max_new_tokens`).
public struct ConstantPredictor: LengthPredicting {
    public var tokens: Int
    public init(tokens: Int) { self.tokens = tokens }
    public func predict(_ request: Request) -> LengthPrediction {
        LengthPrediction(expected: min(tokens, request.maxNewTokens), upper: min(2 * tokens, request.maxNewTokens))
    }
}

/// An estimator whose time is the predicted generation length in seconds.
public struct GenerationSecondsEstimator: BatchTimeEstimating {
    public init() {}
    public func estimate(_ batch: BatchFeatures) -> Seconds { Double(batch.maxGeneration) }
}

/// A request with the lengths a test names; its reference length is `generation`.
public func makeRequest(
    _ id: String, input: Int = 20, generation: Int = 30, arrival: Seconds = 0, deadline: Seconds? = nil,
    application: String = "app", text: String? = nil
) -> Request {
    Request(
        id: RequestID(id), application: application, instruction: "Do it:", input: text ?? "input of \(id)",
        inputTokens: input, maxNewTokens: 4096, arrival: arrival, deadline: deadline, referenceOutputTokens: generation)
}

/// A scheduler predicting each request's reference length, timing batches by their longest
/// predicted generation.
public func makeScheduler(
    policy: BatchingPolicy = .magnus, threshold: Double = 1e12, capacity: Int = 1_000_000, maxAttempts: Int = 3
) -> Scheduler {
    Scheduler(
        configuration: SchedulerConfiguration(
            policy: policy, wmaThreshold: threshold, kvTokenCapacity: capacity, maxAttempts: maxAttempts),
        predictor: ReferencePredictor(), estimator: GenerationSecondsEstimator())
}

/// A scheduler that batches by fixed size in FCFS order, with predictions from the request.
public func makeFixedBatchScheduler(batchSize: Int = 2) -> Scheduler {
    Scheduler(
        configuration: SchedulerConfiguration(policy: .vanilla(batchSize: batchSize), kvTokenCapacity: 1_000_000),
        predictor: ReferencePredictor(), estimator: AnalyticBatchTimeModel())
}

/// A worker with room for anything a unit test submits, that resumes capped rows.
public let bigWorker = WorkerCapabilities(
    gpu: "test", model: "test", memoryBytes: 1 << 40, kvBudgetBytes: 1 << 30, kvBytesPerToken: 1, continuation: true)
