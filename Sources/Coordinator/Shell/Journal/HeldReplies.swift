import Coordinator
import ServiceSupport
import Shared

/// The write-ahead rule of the service loop: client replies wait until the journal records
/// produced with them are committed. Each poll iteration's records go to the journal as one
/// batch, together with that iteration's replies; replies of an iteration without records
/// join the newest batch still in flight (so no reply overtakes an earlier one), or go at
/// once when nothing is in flight. Owned by the service loop thread.
struct HeldReplies {
    typealias Reply = (envelope: ClientEnvelope, reply: CoordinatorReply)

    private var records: [JournalRecord] = []
    private var replies: [Reply] = []
    private var inFlight: [(batch: Int, replies: [Reply])] = []

    /// Batches submitted and not yet committed.
    var inFlightCount: Int { inFlight.count }
    /// Whether nothing waits: no records, no replies, no batch in flight.
    var isIdle: Bool { records.isEmpty && replies.isEmpty && inFlight.isEmpty }

    mutating func hold(_ record: JournalRecord) { records.append(record) }
    mutating func hold(_ reply: CoordinatorReply, to envelope: ClientEnvelope) { replies.append((envelope, reply)) }

    /// Ends an iteration. `submit` gets its records (when there are any) and returns the
    /// batch number the journal gave them.
    /// - Returns: replies that may go out now.
    mutating func close(submit: ([JournalRecord]) -> Int) -> [Reply] {
        if !records.isEmpty {
            let batch = submit(records)
            inFlight.append((batch, replies))
            records.removeAll()
            replies.removeAll()
            return []
        }
        guard !replies.isEmpty else { return [] }
        defer { replies.removeAll() }
        if inFlight.isEmpty { return replies }
        inFlight[inFlight.count - 1].replies += replies
        return []
    }

    /// A batch was committed (completions come in batch order).
    /// - Parameter withdrawn: accepts that were not journalled: their `accepted` replies are dropped.
    /// - Returns: the replies released, or nil for a batch not in flight.
    mutating func committed(_ batch: Int, withdrawn: Set<RequestID>) -> [Reply]? {
        guard let index = inFlight.firstIndex(where: { $0.batch == batch }) else { return nil }
        // Completions are in order; anything before this one was already released.
        let released = inFlight[...index].flatMap(\.replies)
        inFlight.removeSubrange(...index)
        guard !withdrawn.isEmpty else { return released }
        return released.filter { held in
            if case .accepted(let message) = held.reply { return !withdrawn.contains(message.id) }
            return true
        }
    }
}
