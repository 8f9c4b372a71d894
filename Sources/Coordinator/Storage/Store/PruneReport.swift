/// Rows a retention pass deleted.
public struct PruneReport: Sendable, Hashable {
    public var requests: Int
    public var batches: Int

    public init(requests: Int = 0, batches: Int = 0) {
        self.requests = requests
        self.batches = batches
    }
}
