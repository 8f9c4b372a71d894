import Shared

/// A request waiting in the queue with its prediction.
public struct QueuedRequest: Sendable, Hashable {
    public var request: Request
    public var prediction: LengthPrediction

    public init(request: Request, prediction: LengthPrediction) {
        self.request = request
        self.prediction = prediction
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
            input: member.request.inputTokens, generation: member.prediction.expected,
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
