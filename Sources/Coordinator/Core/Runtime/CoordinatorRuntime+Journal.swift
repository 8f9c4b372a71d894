import Shared

extension CoordinatorRuntime {
    /// Whether the runtime asks for journal records (a log path is configured).
    var journaling: Bool { settings.journaling }

    /// Appends a journal record when journaling.
    func journal(_ record: @autoclosure () -> JournalRecord, into out: inout [CoordinatorOutput]) {
        if journaling { out.append(.journal(record())) }
    }

    // MARK: - Restart

    /// Queues again the requests a previous run journalled and did not finish, oldest
    /// arrival first, under their own ids. They keep their arrival (on this run's clock,
    /// so time waited before the restart still counts) and deadline, and their answer goes to
    /// the routing identity that submitted them (journalled with the accept; only one the
    /// client chose, `ClientEnvelope.outlivesConnection`): a client that
    /// comes back under the same identity gets it pushed, without asking (the shell holds an
    /// answer for an identity not connected yet). A client that resubmits the id (same
    /// content) is acknowledged again and gets the final answer instead, once; one that
    /// finishes first is answered from the finished answers.
    /// - Returns: journal records for requests the scheduler now refuses (e.g. an input
    ///   that no longer fits a smaller KV capacity: they fail for good), and a log line.
    public mutating func recover(_ requests: [RecoveredRequest], now: Double) -> [CoordinatorOutput] {
        var out: [CoordinatorOutput] = []
        var recovered = 0
        var attached = 0
        for entry in requests where pending[entry.request.id] == nil && !scheduler.contains(entry.request.id) {
            let request = entry.request
            // An id ZeroMQ made up named the old process's connection only: nobody to answer.
            let envelope = entry.envelope.flatMap { $0.outlivesConnection ? $0 : nil }
            let fingerprint = ContentFingerprint(of: request)
            for action in scheduler.submit(request) {
                switch action {
                case .accepted(let id, let prediction):
                    pending[id] = PendingRequest(
                        envelope: envelope, fingerprint: fingerprint, inputTokens: request.inputTokens,
                        predictedTokens: prediction.expected, arrival: request.arrival, deadline: request.deadline)
                    if let deadline = request.deadline { deadlines[id] = deadline }
                    recovered += 1
                    if envelope != nil { attached += 1 }
                case .rejected(let id, let error):
                    finished.store(id, fingerprint: fingerprint, reply: .error(ErrorMessage(id: id, error)))
                    journal(.failed(id, error), into: &out)
                    out.append(.log(.warning, "recovered request \(id) is refused now: \(error)"))
                default:
                    out += handle(action, now: now)
                }
            }
        }
        if !requests.isEmpty {
            out.append(
                .log(
                    .info,
                    "recovery: \(recovered) unfinished requests queued again under their own ids (\(attached) answer their submitting client's identity)"
                ))
        }
        return out
    }

    /// `recover(_:now:)` for requests without a known client (nobody is attached until their
    /// client resubmits the id).
    public mutating func recover(_ requests: [Request], now: Double) -> [CoordinatorOutput] {
        recover(requests.map { RecoveredRequest(request: $0, envelope: nil) }, now: now)
    }

    /// Loads final answers from the log store (oldest first), as if this run had given them.
    public mutating func restore(_ answers: [RestoredAnswer]) {
        for answer in answers where pending[answer.id] == nil {
            finished.store(answer.id, fingerprint: answer.fingerprint, reply: answer.reply)
        }
    }

    // MARK: - Journal failures

    /// The log store could not record these accepts: a request still queued is withdrawn and
    /// answered `internal_error` instead of `accepted` (the shell drops its held
    /// acknowledgement); one already on a worker keeps going and is answered normally.
    /// - Returns: the ids withdrawn, and the replies and log lines to send.
    public mutating func journalFailed(
        _ ids: [RequestID], reason: String, now: Double
    ) -> (withdrawn: Set<RequestID>, outputs: [CoordinatorOutput]) {
        var withdrawn = Set<RequestID>()
        var out: [CoordinatorOutput] = []
        for id in ids {
            guard let record = pending[id] else { continue }
            guard scheduler.cancel(id) else {
                out.append(.log(.warning, "request \(id) runs although its accept was not journalled: \(reason)"))
                continue
            }
            pending[id] = nil
            deadlines[id] = nil
            withdrawn.insert(id)
            if let envelope = record.envelope {
                out.append(
                    refusal(envelope, id: id, MagnusError(.internalError, "the log store could not record the request: \(reason)")))
            }
        }
        if !withdrawn.isEmpty {
            out.append(.log(.error, "journal failed: \(withdrawn.count) accepts withdrawn: \(reason)"))
        }
        return (withdrawn, out)
    }
}
