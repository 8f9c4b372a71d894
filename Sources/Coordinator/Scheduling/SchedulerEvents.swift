import Shared

/// A batch handed to a worker.
public struct DispatchedBatch: Sendable, Hashable {
    public var id: BatchID
    public var worker: WorkerID
    public var members: [QueuedRequest]
    public var features: BatchFeatures
    public var estimatedTime: Seconds
    public var dispatchedAt: Seconds
    public var attempts: Int

    public var requests: [Request] { members.map(\.request) }
}

/// A worker's report of a finished batch.
public struct BatchReport: Sendable, Hashable, Codable {
    public var batchID: BatchID
    public var worker: WorkerID
    /// Device time the batch took.
    public var duration: Seconds
    public var outputs: [RequestOutput]

    public init(batchID: BatchID, worker: WorkerID, duration: Seconds, outputs: [RequestOutput]) {
        self.batchID = batchID
        self.worker = worker
        self.duration = duration
        self.outputs = outputs
    }
}

/// Why a dispatched batch came back without results.
public enum BatchFailure: Sendable, Hashable, Codable {
    /// The KV cache did not fit at decoding step `step`.
    case outOfMemory(step: Int)
    /// The worker stopped heart-beating or disconnected.
    case workerLost
    /// The engine failed for another reason.
    case engineFault(String)
}

/// A finished request, with everything a reply, the status stream and the logs need.
public struct CompletedRequest: Sendable, Hashable {
    public var request: Request
    public var output: RequestOutput
    public var prediction: LengthPrediction
    public var batchID: BatchID
    public var worker: WorkerID
    public var dispatchedAt: Seconds
    public var finishedAt: Seconds

    public var responseTime: Seconds { finishedAt - request.arrival }
}

/// A finished batch as the estimator's retraining and the logs see it.
public struct BatchObservation: Sendable, Hashable {
    public var batchID: BatchID
    public var worker: WorkerID
    /// (β, L(B), G'(B)) at dispatch.
    public var predicted: BatchFeatures
    /// G(B): the longest actual generation.
    public var actualMaxGeneration: Int
    public var estimatedTime: Seconds
    public var actualTime: Seconds
    /// Token reads spent on padding and finished rows, with actual lengths.
    public var wastedMemoryAccess: Double
}

/// What the scheduler asks its driver to do or to know.
public enum SchedulerAction: Sendable, Hashable {
    /// Tell the client its request is queued.
    case accepted(RequestID, LengthPrediction)
    /// Tell the client its request was refused.
    case rejected(RequestID, MagnusError)
    /// Deliver a result.
    case completed(CompletedRequest)
    /// Tell the client its request failed for good.
    case failed(Request, MagnusError)
    /// A batch that ran out of memory was split into two queued batches.
    case split(BatchID, into: [BatchID])
    /// A batch went back to the queue unchanged (worker lost, engine fault).
    case requeued(BatchID, attempts: Int)
    /// A batch finished: for the estimator's retraining, logs and status.
    case observedBatch(BatchObservation)
}
