import Shared

/// The final answers of the most recent finished requests, for idempotent resubmission;
/// the oldest are forgotten beyond `capacity`. In memory only: durable storage is a later issue.
struct FinishedAnswers: Sendable {
    struct Entry: Sendable {
        var fingerprint: ContentFingerprint
        var reply: CoordinatorReply
    }

    let capacity: Int
    private var entries: [RequestID: Entry] = [:]
    /// Insertion order, as a ring once full.
    private var order: [RequestID] = []
    private var cursor = 0

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { entries.count }

    subscript(id: RequestID) -> Entry? { entries[id] }

    /// Remembers a final answer, evicting the oldest when full.
    /// - Complexity: O(1) amortized.
    mutating func store(_ id: RequestID, fingerprint: ContentFingerprint, reply: CoordinatorReply) {
        guard capacity > 0 else { return }
        if entries.updateValue(Entry(fingerprint: fingerprint, reply: reply), forKey: id) != nil { return }
        if order.count < capacity {
            order.append(id)
        } else {
            entries[order[cursor]] = nil
            order[cursor] = id
            cursor = (cursor + 1) % capacity
        }
    }

    /// Forgets an answer (the id is then new again).
    mutating func forget(_ id: RequestID) {
        entries[id] = nil
    }
}
