import Shared

/// Accepted requests without a final answer, by id, with a count per client connection
/// (the routing id their answer goes to) for the per-client in-flight limit. Reads and
/// writes like a dictionary; every write keeps the counts right.
struct PendingRequests: Sendable {
    private var byID: [RequestID: PendingRequest] = [:]
    private var perClient: [RoutingID: Int] = [:]

    /// Pending requests.
    var count: Int { byID.count }

    /// Pending requests whose answer goes to `client`.
    /// - Complexity: O(1).
    func inFlight(of client: RoutingID) -> Int { perClient[client] ?? 0 }

    subscript(id: RequestID) -> PendingRequest? {
        get { byID[id] }
        set {
            if let old = byID[id] { release(old) }
            byID[id] = newValue
            if let newValue, let client = newValue.envelope?.client { perClient[client, default: 0] += 1 }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: RequestID) -> PendingRequest? {
        guard let old = byID.removeValue(forKey: id) else { return nil }
        release(old)
        return old
    }

    private mutating func release(_ request: PendingRequest) {
        guard let client = request.envelope?.client else { return }
        let left = (perClient[client] ?? 1) - 1
        perClient[client] = left > 0 ? left : nil
    }
}
