import ServiceSupport
import Shared
import Transport

/// Replays requests against a coordinator at their scheduled offsets (seconds from the
/// start), keeping every reply, and reports what a client saw: accepted, answered once,
/// refused with which code, duplicates dropped, lost.
///
/// Exactly one final answer per id reaches the outcome: a second one (a resubmission that
/// crossed the answer in flight, a stored answer given again after a restart) is dropped
/// and counted in `duplicatesDropped`.
///
/// It notices a coordinator restart from the incarnation id every reply carries changing
/// (from `uptime` going back, for a coordinator that sends none). With `resubmission`, it
/// also rides out a coordinator that dies: ids are idempotent, so sending one again is
/// safe, and unanswered ones are sent again when no `accepted` came within a while, or all
/// of them when the coordinator restarted.
public struct PacedLoad {
    /// When to send a request again.
    public struct Resubmission: Sendable {
        /// Send again an id with no `accepted` after this many seconds (nil: never).
        public var unacknowledgedAfter: Double?
        /// Send again every unanswered id when the coordinator restarted (without a journal
        /// it forgot them; with one this is needed only for those it never journaled).
        public var afterRestart: Bool
        /// Seconds between the pings that notice a restart.
        public var pingInterval: Double

        public init(unacknowledgedAfter: Double? = nil, afterRestart: Bool = false, pingInterval: Double = 0.25) {
            self.unacknowledgedAfter = unacknowledgedAfter
            self.afterRestart = afterRestart
            self.pingInterval = pingInterval
        }

        /// Never send anything twice.
        public static let never = Resubmission()
        var isActive: Bool { unacknowledgedAfter != nil || afterRestart }
    }

    /// One request and when to send it.
    public struct Item: Sendable {
        public var at: Double
        public var submit: SubmitMessage
        public init(at: Double, submit: SubmitMessage) {
            self.at = at
            self.submit = submit
        }
    }

    /// What the run saw.
    public struct Outcome: Sendable {
        public var submitted = 0
        /// `accepted` replies, repeats of a resubmitted id included.
        public var accepted = 0
        /// Ids with at least one `accepted`.
        public var acknowledged = 0
        /// Acknowledged ids with no final answer at the end: work the cluster lost.
        public var acknowledgedLost = 0
        /// Sends beyond the first, by resubmission.
        public var resent = 0
        /// Coordinator restarts noticed (the incarnation changed, or uptime went back).
        public var restarts = 0
        public var answered = 0
        public var refused: [String: Int] = [:]
        /// Final answers received for an id already answered: dropped, never counted twice.
        public var duplicatesDropped = 0
        /// Sent requests with no final answer at the end.
        public var lost = 0
        /// Whether the run was stopped before every item was sent.
        public var interrupted = false
        public var seconds = 0.0
        /// Client-side response times of answered requests (seconds, submit to result).
        public var responseTimes: [Double] = []
        public var generatedTokens = 0
        public var predictionErrors: [Double] = []

        public init() {}
    }

    public let client: MagnusClient
    public let items: [Item]
    public let resubmission: Resubmission
    /// Whether the items are sent again and again until stopped (`run`'s `shouldStop`).
    public let repeating: Bool

    /// - Parameter repeating: send the items in rounds until stopped: round r sends each
    ///   item again `r` periods later (a period is the schedule's span plus one mean gap),
    ///   its id suffixed `-rR` so that it is a new request.
    public init(client: MagnusClient, items: [Item], resubmission: Resubmission = .never, repeating: Bool = false) {
        precondition(!repeating || !items.isEmpty, "nothing to repeat")
        self.client = client
        self.items = items.sorted { $0.at < $1.at }
        self.resubmission = resubmission
        self.repeating = repeating
    }

    /// Items to send in all: `items.count`, or unbounded when repeating.
    public var total: Int { repeating ? Int.max : items.count }

    /// The `index`-th item to send.
    func item(_ index: Int) -> Item {
        let (round, position) = index.quotientAndRemainder(dividingBy: items.count)
        guard round > 0 else { return items[position] }
        let span = items[items.count - 1].at
        var item = items[position]
        item.at += Double(round) * (span + span / Double(items.count))
        item.submit.id = RequestID("\(item.submit.id.rawValue)-r\(round)")
        return item
    }

    /// Sends every item on time and waits up to `drainTimeout` seconds after the last for
    /// the remaining answers.
    /// - Parameter progress: called about twice a second with the outcome so far.
    /// - Parameter shouldStop: polled often; once true, sending stops and the replies of what
    ///   was sent are awaited for at most 5 seconds.
    public func run(
        drainTimeout: Double, shouldStop: () -> Bool = { false }, progress: (Outcome) -> Void = { _ in }
    ) throws -> Outcome {
        let clock = MonotonicClock()
        var outcome = Outcome()
        var sentAt: [RequestID: Double] = [:]
        var final: Set<RequestID> = []
        var acknowledged: Set<RequestID> = []
        // For resubmission: unanswered ids with their last send, the ids the current
        // coordinator acknowledged, and the coordinator's uptime at the last pong.
        var unanswered: [RequestID: Double] = [:]
        var confirmed: Set<RequestID> = []
        var submits: [RequestID: SubmitMessage] = [:]
        var nextPing = 0.0
        var restarts = RestartDetector()
        func resend(_ ids: [RequestID]) throws {
            for id in ids.sorted() {
                try client.submit(submits[id]!)
                unanswered[id] = clock.now
                outcome.resent += 1
            }
        }
        var next = 0
        var lastProgress = 0.0
        var deadline = Double.infinity
        while true {
            let now = clock.now
            if !outcome.interrupted && next < total && shouldStop() {
                outcome.interrupted = true
                deadline = now + min(drainTimeout, 5)
            }
            var upcoming = next < total ? item(next) : nil
            while !outcome.interrupted, let due = upcoming, due.at <= now {
                try client.submit(due.submit)
                sentAt[due.submit.id] = clock.now
                if resubmission.isActive {
                    unanswered[due.submit.id] = clock.now
                    submits[due.submit.id] = due.submit
                }
                outcome.submitted += 1
                next += 1
                upcoming = next < total ? item(next) : nil
            }
            if next == total && deadline == .infinity { deadline = clock.now + drainTimeout }
            if final.count == outcome.submitted && (next == total || outcome.interrupted) { break }
            if clock.now > deadline { break }
            let wait = !outcome.interrupted ? upcoming.map { max(0, min(0.05, $0.at - clock.now)) } ?? 0.1 : 0.1
            if resubmission.isActive && clock.now >= nextPing {
                nextPing = clock.now + resubmission.pingInterval
                try client.ping(nonce: "load")
                if let after = resubmission.unacknowledgedAfter {
                    try resend(unanswered.filter { !confirmed.contains($0.key) && clock.now - $0.value >= after }.map(\.key))
                }
            }
            if let reply = try client.receive(timeout: wait) {
                if restarts.observe(reply) {
                    // A new coordinator: what the old one held is gone unless journaled,
                    // and its acknowledgements no longer vouch for anything.
                    outcome.restarts += 1
                    if resubmission.afterRestart {
                        confirmed.removeAll()
                        try resend(Array(unanswered.keys))
                    }
                }
                switch reply {
                case .accepted(let accepted):
                    outcome.accepted += 1
                    acknowledged.insert(accepted.id)
                    confirmed.insert(accepted.id)
                case .result(let result):
                    if final.contains(result.id) {
                        outcome.duplicatesDropped += 1
                    } else {
                        final.insert(result.id)
                        unanswered[result.id] = nil
                        outcome.answered += 1
                        outcome.responseTimes.append(clock.now - (sentAt.removeValue(forKey: result.id) ?? clock.now))
                        outcome.generatedTokens += result.generatedTokens
                        outcome.predictionErrors.append(Double(abs(result.predictedTokens - result.generatedTokens)))
                    }
                case .error(let error):
                    if let id = error.id, reply.isFinal {
                        if final.contains(id) {
                            outcome.duplicatesDropped += 1
                        } else {
                            final.insert(id)
                            outcome.refused[error.code.rawValue, default: 0] += 1
                        }
                        unanswered[id] = nil
                    } else {
                        outcome.refused[error.code.rawValue, default: 0] += 1
                    }
                case .cancelled(let cancelled):
                    if cancelled.cancelled {
                        if final.contains(cancelled.id) { outcome.duplicatesDropped += 1 } else { final.insert(cancelled.id) }
                        unanswered[cancelled.id] = nil
                    }
                case .pong, .partial:
                    break  // the load asks for no streaming
                }
            }
            if clock.now - lastProgress >= 0.5 {
                lastProgress = clock.now
                outcome.seconds = clock.now
                progress(outcome)
            }
        }
        outcome.lost = outcome.submitted - final.count
        outcome.acknowledged = acknowledged.count
        outcome.acknowledgedLost = acknowledged.subtracting(final).count
        outcome.seconds = clock.now
        return outcome
    }
}
