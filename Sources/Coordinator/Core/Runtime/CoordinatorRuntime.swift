import Shared

/// The coordinator's protocol logic around the pure `Scheduler`: it takes received frames,
/// timer ticks and the drain request, each stamped with the time, and returns what to send,
/// publish and log. It owns no socket, thread or clock, so it is tested directly;
/// `CoordinatorService` is the thin real-time shell around it.
///
/// Guarantees: every accepted request gets exactly one final answer (result or error), a
/// batch lost with its worker goes back to the queue, and malformed input gets an error reply
/// and is counted, never a crash.
public struct CoordinatorRuntime: Sendable {
    public let settings: RuntimeSettings
    public internal(set) var scheduler: Scheduler
    public internal(set) var metrics: StatusMetrics
    let counter = HeuristicTokenCounter()

    var pending = PendingRequests()
    var finished: FinishedAnswers
    /// Workers by routing id, each with its state (idle ones with their place in line).
    var workers: [RoutingID: WorkerRecord] = [:]
    /// The next idle worker's place in line.
    var nextReadyOrder: UInt64 = 0
    /// Queued requests with a deadline.
    var deadlines: [RequestID: Double] = [:]
    var nextStatus: Double = 0
    /// Learns the cluster's pace, to refuse deadlines that cannot be met.
    var forecast = CompletionForecast()
    var nextDeadlineScan: Double = 0
    /// Bad messages per worker in this status interval (their warnings are rate-limited).
    var badMessages: [RoutingID: Int] = [:]
    /// Workers that left recently, shown `down` in status snapshots for a while.
    var departedWorkers = DepartedWorkers()
    /// When draining began, and when it gives up on running batches.
    public internal(set) var drainDeadline: Double?
    /// True once a drain has finished: the shell may exit.
    public internal(set) var isStopped = false
    /// What the shell reported of client replies it could not send at once (for the snapshot).
    public internal(set) var delivery = DeliveryStatus()

    /// - Parameters:
    ///   - settings: limits and timings (the shell derives them from its validated configuration).
    ///   - scheduler: the core, with its predictor and estimator.
    public init(settings: RuntimeSettings, scheduler: Scheduler) {
        self.settings = settings
        self.scheduler = scheduler
        metrics = StatusMetrics(window: settings.statusWindow)
        finished = FinishedAnswers(capacity: settings.finishedCapacity)
    }

    // MARK: - Inspection

    /// Whether `beginDrain` was called.
    public var isDraining: Bool { drainDeadline != nil }
    /// Accepted requests without a final answer.
    public var pendingCount: Int { pending.count }
    /// Connected workers.
    public var workerCount: Int { workers.count }

    // MARK: - Time

    /// Periodic work: lost workers, request deadlines, status snapshots, the drain's end.
    /// Call at least every `suggestedTickInterval`.
    /// - Complexity: O(workers) each call; O(requests with deadlines) every 100 ms.
    public mutating func tick(now: Double) -> [CoordinatorOutput] {
        var out: [CoordinatorOutput] = []
        expireSilentWorkers(now: now, into: &out)
        expireOverdueBatches(now: now, into: &out)
        if now >= nextDeadlineScan {
            nextDeadlineScan = now + 0.1
            expireDeadlines(now: now, into: &out)
        }
        if now >= nextStatus {
            nextStatus = now + settings.statusInterval
            flushBadMessageSummary(into: &out)
            out.append(.status(.snapshot(snapshot(now: now))))
        }
        if let drainDeadline, !isStopped {
            if scheduler.running.isEmpty {
                isStopped = true
                out.append(.log(.info, "drain complete: every running batch finished"))
            } else if now >= drainDeadline {
                giveUpRunning(now: now, into: &out)
                isStopped = true
            }
        }
        return out
    }

    /// The longest the shell may wait before calling `tick` again.
    public var suggestedTickInterval: Double {
        min(0.1, settings.statusInterval, settings.heartbeatInterval)
    }

    // MARK: - Drain

    /// Stops accepting work: queued requests are answered `shutting_down` at once, running
    /// batches may finish until the drain timeout, after which their requests are answered
    /// `shutting_down` too.
    public mutating func beginDrain(now: Double) -> [CoordinatorOutput] {
        guard drainDeadline == nil else { return [] }
        drainDeadline = now + settings.drainTimeout
        var out: [CoordinatorOutput] = [
            .log(
                .info,
                "draining: \(scheduler.queuedRequestCount) queued requests refused, waiting up to \(settings.drainTimeout) s for \(scheduler.running.count) running batches"
            ),
            .status(.event(StatusEvent(kind: .drain, time: now))),
        ]
        refuseQueued(now: now, into: &out)
        return out
    }

    /// While draining, nothing stays queued: requeued or split work is refused too.
    mutating func refuseQueued(now: Double, into out: inout [CoordinatorOutput]) {
        guard isDraining else { return }
        let ids = scheduler.queue.flatMap { $0.members.map(\.request.id) }
        for id in ids where scheduler.cancel(id) {
            finish(id, with: MagnusError(.shuttingDown, "the coordinator is shutting down; resubmit later"), into: &out)
        }
    }

    private mutating func giveUpRunning(now: Double, into out: inout [CoordinatorOutput]) {
        let batches = scheduler.running.values.sorted { $0.id < $1.id }
        out.append(.log(.warning, "drain timeout: \(batches.count) batches still running; answering their requests shutting_down"))
        for batch in batches {
            for member in batch.members {
                finish(
                    member.request.id,
                    with: MagnusError(.shuttingDown, "the coordinator shut down before the request's batch finished"),
                    into: &out)
            }
        }
    }

    // MARK: - Answers

    /// Sends a request's final error, stores it for resubmissions and forgets the request.
    mutating func finish(_ id: RequestID, with error: MagnusError, into out: inout [CoordinatorOutput]) {
        guard let request = pending.removeValue(forKey: id) else { return }
        deadlines[id] = nil
        let reply = CoordinatorReply.error(ErrorMessage(id: id, error))
        finished.store(id, fingerprint: request.fingerprint, reply: reply)
        metrics.recordFailure()
        metrics.recordError(error.code)
        journal(.failed(id, error), into: &out)
        if let envelope = request.envelope { out.append(.client(envelope: envelope, reply: reply)) }
    }

    /// An error reply that is not stored (refusals before acceptance, protocol errors).
    mutating func refusal(_ envelope: ClientEnvelope, id: RequestID?, _ error: MagnusError) -> CoordinatorOutput {
        metrics.recordError(error.code)
        return .client(envelope: envelope, reply: .error(ErrorMessage(id: id, error)))
    }

    private mutating func expireDeadlines(now: Double, into out: inout [CoordinatorOutput]) {
        guard !deadlines.isEmpty else { return }
        let due = deadlines.filter { $0.value <= now }.map(\.key).sorted()
        for id in due {
            // A running request is past cancelling: it finishes and is answered normally,
            // unless it comes back to the queue to continue (bounded decoding), where the
            // deadline is checked again.
            if scheduler.cancel(id) {
                deadlines[id] = nil
                finish(id, with: MagnusError(.deadlineExceeded, "still queued at its deadline"), into: &out)
            } else if !scheduler.contains(id) {
                deadlines[id] = nil
            }
        }
    }
}
