import Coordinator
import Shared

/// The client replies the service loop could not send at once, held per client in a bounded
/// queue and sent again later: when the client's socket queue was full (`ZMQ_SNDHWM`: the
/// client is not reading) or the ROUTER did not know the routing id (`EHOSTUNREACH` under
/// `ROUTER_MANDATORY`: not connected, e.g. a client that has not reconnected yet after a
/// coordinator restart). Nothing is dropped silently: every reply that does not go out at
/// once is counted (`status`, in the status snapshot) and summed up in one log line per
/// interval (`takeSummary`).
///
/// Only final answers are held (a result, an error naming its request, a cancellation):
/// an `accepted`, a `pong` or a refusal without an id that cannot be sent is dropped and
/// counted, since the client learns the same by asking again. A final answer given up on
/// (its client's queue or the total is full, or it waited longer than `maxAge`) stays
/// retrievable by resubmitting its id: the runtime answers it from the finished answers.
///
/// Replies to one client keep their order: while a client has held replies, its new final
/// answers join the end of its queue. A final answer for an id already held for the same
/// client is not held twice. Owned by the service loop thread.
struct OutboundQueue {
    /// What one send attempt did.
    enum SendOutcome {
        case sent
        /// The client's queue is full (EAGAIN): try again later.
        case full
        /// No peer with this routing id (EHOSTUNREACH): try again when it is back.
        case unreachable
    }

    /// Sends one reply; returns what happened, or throws for any other socket error.
    typealias Send<Failure: Error> = (_ envelope: ClientEnvelope, _ reply: CoordinatorReply) throws(Failure) -> SendOutcome

    private struct Held {
        var envelope: ClientEnvelope
        var reply: CoordinatorReply
        var since: Double
    }

    /// One client's held replies: an array with a moving head (amortized O(1) at both ends).
    private struct ClientQueue {
        var items: [Held] = []
        var head = 0
        var ids: Set<RequestID> = []
        var count: Int { items.count - head }
        var first: Held? { head < items.count ? items[head] : nil }

        mutating func append(_ held: Held) {
            items.append(held)
            if let id = held.reply.requestID { ids.insert(id) }
        }

        mutating func removeFirst() {
            if let id = items[head].reply.requestID { ids.remove(id) }
            head += 1
            if head > 1024 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }

    /// Replies held for one client at most.
    let perClientLimit: Int
    /// Replies held in all at most.
    let totalLimit: Int
    /// Seconds a reply is held at most.
    let maxAge: Double

    private var queues: [RoutingID: ClientQueue] = [:]
    /// Counts since start (`held` is the current total).
    private(set) var status = DeliveryStatus()
    /// This interval's counts, for the summary line.
    private var interval = (deferred: 0, dropped: 0, droppedAnswers: 0, redelivered: 0)
    private var intervalClients: Set<RoutingID> = []

    init(perClientLimit: Int = 10_000, totalLimit: Int = 100_000, maxAge: Double = 600) {
        self.perClientLimit = perClientLimit
        self.totalLimit = totalLimit
        self.maxAge = maxAge
    }

    /// Clients with held replies.
    var clientsWaiting: Int { queues.count }

    /// Whether replies are held for `client`.
    func isHolding(for client: RoutingID) -> Bool { queues[client] != nil }

    /// Sends `reply` now, or holds it when it cannot go (behind the client's held replies,
    /// if any).
    /// - Complexity: O(1) amortized, plus the held replies it lets go first.
    mutating func deliver<Failure: Error>(
        _ reply: CoordinatorReply, to envelope: ClientEnvelope, now: Double, send: Send<Failure>
    ) throws(Failure) {
        let final = reply.isFinal && reply.requestID != nil
        if final, queues[envelope.client] != nil {
            hold(reply, to: envelope, now: now)
            try retry(envelope.client, now: now, send: send)
            return
        }
        switch try send(envelope, reply) {
        case .sent: return
        case .full, .unreachable:
            if final {
                hold(reply, to: envelope, now: now)
            } else {
                count(deferred: 1, client: envelope.client)
                drop(answer: false)
            }
        }
    }

    /// Sends what is held for `client`, oldest first, until one does not go.
    /// - Complexity: O(replies sent).
    mutating func retry<Failure: Error>(_ client: RoutingID, now: Double, send: Send<Failure>) throws(Failure) {
        guard var queue = queues[client] else { return }
        defer { queues[client] = queue.count > 0 ? queue : nil }
        while let held = queue.first {
            if now - held.since > maxAge {
                queue.removeFirst()
                status.held -= 1
                drop(answer: true)
                continue
            }
            guard case .sent = try send(held.envelope, held.reply) else { return }
            queue.removeFirst()
            status.held -= 1
            status.redelivered += 1
            interval.redelivered += 1
        }
    }

    /// Sends what is held for every client (each until one does not go), and gives up on
    /// replies held longer than `maxAge`.
    /// - Complexity: O(clients with held replies + replies sent or given up).
    mutating func retryAll<Failure: Error>(now: Double, send: Send<Failure>) throws(Failure) {
        for client in Array(queues.keys) {
            try retry(client, now: now, send: send)
        }
    }

    /// The summary of this interval's deferred replies, one line (nil when nothing was
    /// deferred or redelivered), and starts the next interval.
    mutating func takeSummary(seconds: Double) -> String? {
        defer {
            interval = (0, 0, 0, 0)
            intervalClients.removeAll(keepingCapacity: true)
        }
        guard interval.deferred > 0 || interval.dropped > 0 || interval.redelivered > 0 else { return nil }
        let window = seconds >= 1 ? "\(Int(seconds.rounded())) s" : "interval"
        return
            "client replies in the last \(window): \(interval.deferred) could not be sent at once to \(intervalClients.count) clients (not reading, or not connected); \(interval.redelivered) held ones sent later; \(interval.dropped) given up (\(interval.droppedAnswers) final answers: they stay retrievable by resubmitting their id); \(status.held) held for \(queues.count) clients now"
    }

    // MARK: - Holding

    private mutating func hold(_ reply: CoordinatorReply, to envelope: ClientEnvelope, now: Double) {
        count(deferred: 1, client: envelope.client)
        var queue = queues[envelope.client] ?? ClientQueue()
        if let id = reply.requestID, queue.ids.contains(id) {
            // The same final answer is already waiting for this client: once is enough.
            return
        }
        guard queue.count < perClientLimit, status.held < totalLimit else {
            drop(answer: true)
            return
        }
        queue.append(Held(envelope: envelope, reply: reply, since: now))
        queues[envelope.client] = queue
        status.held += 1
    }

    private mutating func count(deferred: Int, client: RoutingID) {
        status.deferred += deferred
        interval.deferred += deferred
        intervalClients.insert(client)
    }

    private mutating func drop(answer: Bool) {
        status.dropped += 1
        interval.dropped += 1
        if answer {
            status.droppedAnswers += 1
            interval.droppedAnswers += 1
        }
    }
}
