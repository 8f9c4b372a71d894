/// Row counts of the log store, for status and tests.
public struct LogStoreCounts: Sendable, Hashable {
    public var requests: [RequestStatus: Int]
    /// Batches by outcome; queued or running batches under nil.
    public var batches: [BatchOutcome?: Int]
    public var models: Int
    public var predictorExamples: Int

    public func requests(_ status: RequestStatus) -> Int { requests[status] ?? 0 }
    public var totalRequests: Int { requests.values.reduce(0, +) }
    public var totalBatches: Int { batches.values.reduce(0, +) }
}
