import Shared

/// Accepted requests without a final answer, by id, with a count per client connection
/// (the routing id their answer goes to) for the per-client in-flight limit. Reads and
/// writes like a dictionary; every write keeps the counts right.
struct PendingRequests: Sendable {
    private var byID: [RequestID: PendingRequest] = [:]
    private var perClient: [[UInt8]: Int] = [:]

    /// Pending requests.
    var count: Int { byID.count }

    /// Pending requests whose answer goes to `client` (a routing id).
    /// - Complexity: O(1).
    func inFlight(of client: [UInt8]) -> Int { perClient[client] ?? 0 }

    subscript(id: RequestID) -> PendingRequest? {
        get { byID[id] }
        set {
            if let old = byID[id] { release(old) }
            byID[id] = newValue
            if let newValue { perClient[Self.client(of: newValue), default: 0] += 1 }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: RequestID) -> PendingRequest? {
        guard let old = byID.removeValue(forKey: id) else { return nil }
        release(old)
        return old
    }

    private mutating func release(_ request: PendingRequest) {
        let client = Self.client(of: request)
        let left = (perClient[client] ?? 1) - 1
        perClient[client] = left > 0 ? left : nil
    }

    private static func client(of request: PendingRequest) -> [UInt8] { request.envelope.first ?? [] }
}
