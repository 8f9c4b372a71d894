import Shared

/// A request waiting in the queue with its prediction.
public struct QueuedRequest: Sendable, Hashable {
    public var request: Request
    /// The prediction batching uses: for a continuation, of the tokens still to come.
    public var prediction: LengthPrediction
    /// What earlier, capped batches already generated for it (nil on its first run).
    public var progress: GenerationProgress?

    public init(request: Request, prediction: LengthPrediction, progress: GenerationProgress? = nil) {
        self.request = request
        self.prediction = prediction
        self.progress = progress
    }

    /// Tokens the engine prefills: the prompt plus everything generated so far.
    public var inputTokens: Int { request.inputTokens + (progress?.tokens ?? 0) }
    /// Tokens the request may still generate within its `max_new_tokens`.
    public var remainingTokens: Int { max(0, request.maxNewTokens - (progress?.tokens ?? 0)) }
    /// The prediction made when the request was submitted (what coverage is judged on).
    public var originalPrediction: LengthPrediction { progress?.originalPrediction ?? prediction }
}

/// The part of a request's output that capped batches have generated so far.
public struct GenerationProgress: Sendable, Hashable {
    /// Generated text so far, fed back to the engine after the prompt.
    public var text: String
    /// Generated tokens so far.
    public var tokens: Int
    /// Capped batches the request has run in.
    public var runs: Int
    /// The prediction made on submission.
    public var originalPrediction: LengthPrediction
    /// When the request's first batch was dispatched (its time in the queue ends there).
    public var firstDispatchedAt: Seconds
    /// When its first token was generated, if a worker said.
    public var firstTokenAt: Seconds?

    public init(
        text: String, tokens: Int, runs: Int, originalPrediction: LengthPrediction, firstDispatchedAt: Seconds,
        firstTokenAt: Seconds? = nil
    ) {
        self.firstTokenAt = firstTokenAt
        self.text = text
        self.tokens = tokens
        self.runs = runs
        self.originalPrediction = originalPrediction
        self.firstDispatchedAt = firstDispatchedAt
    }
}

/// A batch waiting for a worker.
public struct QueuedBatch: Sendable, Hashable {
    public let id: BatchID
    public private(set) var members: [QueuedRequest] = []
    public private(set) var shape = BatchShape()
    /// Arrival of the oldest member: T_w counts from here.
    public private(set) var oldestArrival: Seconds = .infinity
    /// T_p from the estimator, refreshed when the batch changes.
    public var estimatedTime: Seconds = 1
    /// A sealed batch takes no new members (it was split after an OOM or requeued).
    public var isSealed = false
    /// Times this batch's requests were dispatched and came back without a result.
    public var attempts = 0
    /// The batch this one was split from, if any.
    public var parent: BatchID?

    public init(id: BatchID) { self.id = id }

    public mutating func append(_ member: QueuedRequest) {
        members.append(member)
        shape.add(
            input: member.inputTokens, generation: member.prediction.expected,
            upperGeneration: member.prediction.upper)
        oldestArrival = min(oldestArrival, member.request.arrival)
    }

    /// Removes a member (cancellation); returns whether it was there.
    /// - Complexity: O(β).
    @discardableResult
    public mutating func remove(_ id: RequestID) -> Bool {
        guard let index = members.firstIndex(where: { $0.request.id == id }) else { return false }
        let remaining = members
        members = []
        shape = BatchShape()
        oldestArrival = .infinity
        for (i, member) in remaining.enumerated() where i != index { append(member) }
        return true
    }

    /// HRRN's response ratio (T_w + T_p) / T_p at `now`.
    public func responseRatio(at now: Seconds) -> Double {
        let service = max(estimatedTime, 1e-6)
        return (max(0, now - oldestArrival) + service) / service
    }
}
