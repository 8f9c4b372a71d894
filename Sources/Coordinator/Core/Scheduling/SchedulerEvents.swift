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
    /// Bounded decoding: no row generates more than this in this run (nil = no cap beyond
    /// each request's own `max_new_tokens`). The memory check reserved exactly this much, so
    /// the batch cannot outgrow its KV budget; a row stopped here is continued later.
    public var generationCap: Int?
    /// Continuous workers: KV token slots the admission holds in the worker's ledger.
    public var reservedTokens = 0
    /// Continuous workers: tokens generated so far, from the worker's `progress`, and when
    /// that was reported (the dispatch, before any report).
    public var progressTokens = 0
    public var progressAt: Seconds = 0

    public var requests: [Request] { members.map(\.request) }

    /// The most tokens any row may generate in this run.
    /// - Complexity: O(β).
    public var generationLimit: Int { members.map { maxNewTokens(for: $0) }.max() ?? 0 }

    /// The token limit a member runs with: what it has left, within the batch's cap.
    public func maxNewTokens(for member: QueuedRequest) -> Int {
        let remaining = max(1, member.remainingTokens)
        return generationCap.map { min(remaining, max(1, $0)) } ?? remaining
    }

    /// The batch as the engine receives it: prompt, any text generated in earlier capped
    /// runs, input length including that text, and the row's token limit.
    public var items: [WireBatchItem] {
        members.map { member in
            WireBatchItem(
                id: member.request.id, prompt: member.request.instruction + "\n" + member.request.input,
                inputTokens: member.inputTokens, maxNewTokens: maxNewTokens(for: member),
                simulatedOutputTokens: member.request.referenceOutputTokens.map { max(1, $0 - (member.progress?.tokens ?? 0)) },
                continuation: member.progress?.text)
        }
    }
}

/// A worker's report of a finished batch.
public struct BatchReport: Sendable, Hashable, Codable {
    public var batchID: BatchID
    public var worker: WorkerID
    /// Device time the batch took.
    public var duration: Seconds
    public var outputs: [RequestOutput]
    /// Seconds from the start of the run to the first token, if the worker said.
    public var firstTokenSeconds: Seconds?

    public init(batchID: BatchID, worker: WorkerID, duration: Seconds, outputs: [RequestOutput], firstTokenSeconds: Seconds? = nil) {
        self.firstTokenSeconds = firstTokenSeconds
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
    /// A continuous worker freed the admission's cache after `generatedTokens` tokens
    /// (`text`); it continues in a later admission.
    case preempted(text: String, generatedTokens: Int, firstTokenSeconds: Seconds?)
}

/// A finished request, with everything a reply, the status stream and the logs need.
public struct CompletedRequest: Sendable, Hashable {
    public var request: Request
    public var output: RequestOutput
    public var prediction: LengthPrediction
    public var batchID: BatchID
    public var worker: WorkerID
    /// When its (first) batch was dispatched: a continued request's queueing ends there.
    public var dispatchedAt: Seconds
    public var finishedAt: Seconds
    /// When its first token was generated, if the worker said.
    public var firstTokenAt: Seconds? = nil

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
    /// Send this batch to the worker that asked for work.
    case dispatched(DispatchedBatch)
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
    /// A request stopped at its batch's generation cap went back to the queue to continue,
    /// with `tokens` generated so far.
    case continued(RequestID, tokens: Int)
    /// A continuous worker preempted a request after `generatedTokens`; it is queued again
    /// and `recomputedTokens` (prompt plus text so far) are prefilled anew when readmitted.
    case preempted(RequestID, generatedTokens: Int, recomputedTokens: Int)
}
