import Shared

/// Request-level scheduling for continuous workers (`SchedulerConfiguration.continuous`):
/// every queued batch holds one request; a worker with room is admitted requests in the
/// policy's order while their reservations fit its KV cache; progress reports re-predict
/// what each still needs; a preempted request is queued again as a continuation.
extension Scheduler {
    /// Admits queued requests to a continuous worker that reported `room`: in the policy's
    /// order, as long as the next one fits (`tryAdmit`). The first request in order that does
    /// not fit stops the round (no overtaking, so nothing starves).
    /// - Returns: the `dispatched` admissions (one request each) and the room left.
    /// - Complexity: O(queued requests) per admission.
    public mutating func admit(
        to worker: WorkerID, capabilities: WorkerCapabilities, room: ContinuousRoom, now: Seconds, limit: Int = .max
    ) -> (actions: [SchedulerAction], room: ContinuousRoom) {
        var room = room
        var actions: [SchedulerAction] = []
        while actions.count < limit, let index = nextAdmission(now: now),
            let admitted = tryAdmit(index, to: worker, capabilities: capabilities, room: &room, now: now)
        {
            actions.append(.dispatched(admitted))
        }
        return (actions, room)
    }

    /// The queue index of the request the continuous policy admits next, if any.
    /// - Complexity: O(queued requests).
    func nextAdmission(now: Seconds) -> Int? {
        guard let policy = configuration.continuous else { return nil }
        return nextInOrder(policy, now: now)
    }

    /// Admits the queued request at `index` to `worker` if it fits: its reservation within the
    /// worker's KV cache (the worst case: Σ reserved ≤ slots; a predicted one: the projected
    /// peak ≤ slots) and its prompt within the room (for the watermark rule: prompt plus
    /// watermark within the room). A worker that holds nothing always gets it, so a request
    /// too large for every plan still runs alone.
    /// - Returns: the admission, or nil (nothing changed).
    mutating func tryAdmit(
        _ index: Int, to worker: WorkerID, capabilities: WorkerCapabilities, room: inout ContinuousRoom, now: Seconds
    ) -> DispatchedBatch? {
        guard let policy = configuration.continuous, let capacity = capabilities.continuous, room.freeSequences > 0,
            queue.indices.contains(index), let member = queue[index].members.first
        else { return nil }
        let prompt = blocks(member.inputTokens + 1, of: capacity)
        let reservation = reservation(for: member, generated: 0, under: policy, capacity: capacity)
        let held = reservedTokens[worker, default: 0]
        let fits: Bool
        switch policy.reservation {
        case .worstCase:
            fits = held + reservation <= capacity.kvTokenSlots && prompt <= room.freeTokens
        case .predictedUpper:
            let candidate = (context: member.inputTokens, remaining: reservation - member.inputTokens)
            fits = prompt <= room.freeTokens
                && projectedPeak(of: worker, adding: candidate, blockSize: capacity.blockSize, now: now)
                    <= capacity.kvTokenSlots - capacity.kvTokenSlots / 100
        case .promptWithWatermark(let watermark):
            fits = Double(prompt) + watermark * Double(capacity.kvTokenSlots) <= Double(room.freeTokens)
        }
        let holdsNothing = held == 0 && room.freeSequences >= capacity.maxRunning
        guard fits || (holdsNothing && prompt <= capacity.kvTokenSlots) else { return nil }
        var batch = queue.remove(at: index)
        batch.attempts += 1
        var dispatched = DispatchedBatch(
            id: batch.id, worker: worker, members: batch.members,
            features: BatchFeatures(batchSize: 1, maxInput: batch.shape.maxInput, maxGeneration: batch.shape.maxGeneration),
            estimatedTime: batch.estimatedTime, dispatchedAt: now, attempts: batch.attempts, generationCap: nil)
        dispatched.reservedTokens = reservation
        dispatched.progressAt = now
        running[batch.id] = dispatched
        reservedTokens[worker, default: 0] += reservation
        room.freeSequences -= 1
        room.freeTokens = max(0, room.freeTokens - prompt)
        return dispatched
    }

    /// A continuous worker's progress on an admission: the remaining length is re-predicted
    /// given the tokens so far, and the reservation follows (L + g + the conditional upper
    /// bound) under a predicted reservation.
    /// - Returns: whether the admission is running (else the report is stale).
    @discardableResult
    public mutating func progress(_ batchID: BatchID, generatedTokens: Int, now: Seconds) -> Bool {
        guard var batch = running[batchID], let policy = configuration.continuous, let member = batch.members.first else {
            return false
        }
        let generated = min(max(0, generatedTokens), member.remainingTokens)
        // The worker's decoding speed, for how far its rows have gone since their last report.
        let elapsed = now - batch.progressAt
        if generated > batch.progressTokens, elapsed > 0 {
            let rate = Double(generated - batch.progressTokens) / elapsed
            tokensPerSecond[batch.worker] = tokensPerSecond[batch.worker].map { 0.8 * $0 + 0.2 * rate } ?? rate
        }
        batch.progressTokens = max(batch.progressTokens, generated)
        batch.progressAt = now
        if policy.reservation == .predictedUpper {
            let updated = reservation(for: member, generated: batch.progressTokens, under: policy, capacity: nil)
            reservedTokens[batch.worker, default: 0] += updated - batch.reservedTokens
            batch.reservedTokens = updated
        }
        running[batchID] = batch
        return true
    }

    /// Tokens a running admission may be ahead of its last `progress` report (workers report
    /// at least every this many tokens; docs/protocol.md).
    public static let progressSlack = 32

    /// The most KV token slots `worker`'s admissions will hold at once from `now` on, if each
    /// grows by a token per step until its reserved length and then leaves, with `candidate`
    /// (context, remaining tokens) among them: memory grows between endings, so the peak comes
    /// just before one, max over j of Σ_{r_i ≥ r_j} (c_i + r_j + b / 2), with c_i its context
    /// now (the last report plus what the worker's measured speed added since, at most the
    /// progress slack; the whole slack before a speed is known) and b / 2 the mean partial
    /// block. Lengths known to the coordinator are what lets it admit far more than
    /// Σ (L + G) without running short; the plan leaves 1 % of the cache free (vLLM's
    /// watermark) for what it gets wrong.
    /// - Complexity: O(running admissions × log).
    public func projectedPeak(
        of worker: WorkerID, adding candidate: (context: Int, remaining: Int)?, blockSize: Int, now: Seconds
    ) -> Int {
        let speed = tokensPerSecond[worker]
        var rows: [(context: Int, remaining: Int)] = []
        for batch in running.values where batch.worker == worker {
            guard let member = batch.members.first else { continue }
            let ahead = speed.map { min(Double(Self.progressSlack), $0 * max(0, now - batch.progressAt)) } ?? Double(Self.progressSlack)
            let total = batch.reservedTokens
            let context = min(total, member.inputTokens + batch.progressTokens + Int(ahead.rounded(.up)))
            rows.append((context, max(0, total - context)))
        }
        if let candidate { rows.append(candidate) }
        rows.sort { $0.remaining > $1.remaining }
        var peak = 0
        var held = 0
        for (count, row) in rows.enumerated() {
            held += row.context + blockSize / 2
            peak = max(peak, held + (count + 1) * row.remaining)
        }
        return peak
    }

    /// The next request in the policy's order.
    /// - Complexity: O(queued requests).
    func nextInOrder(_ policy: ContinuousPolicy, now: Seconds) -> Int? {
        if policy.tailGuard > 0, case .shortestFirst = policy.order, let due = longestDue(guard: policy.tailGuard) {
            return due
        }
        var best: Int?
        // The larger key goes first: (priority, then the older).
        var bestKey = (priority: -Double.infinity, older: -Double.infinity)
        for (index, batch) in queue.enumerated() {
            guard let member = batch.members.first else { continue }
            let arrival = member.request.arrival
            let key: (priority: Double, older: Double)
            switch policy.order {
            case .firstComeFirstServed:
                key = (-arrival, 0)
            case .shortestFirst(let aging):
                // T_p of the request alone (its prefill and its predicted decoding), as the
                // estimator gives it: what it costs, prompt included; less what waiting earned.
                let service = max(batch.estimatedTime, 0)
                let waited = max(0, now - arrival)
                key = (aging * waited - service, -arrival)
            }
            if key > bestKey {
                bestKey = key
                best = index
            }
        }
        return best
    }

    /// The tail guard: the longest queued request (the oldest of equals) if g · S ≥ ΣS / R,
    /// with S its estimated service time, ΣS the queue's and R the admissions running.
    /// - Complexity: O(queued requests).
    func longestDue(guard factor: Double) -> Int? {
        var best: Int?
        var bestKey = (longer: -Double.infinity, older: -Double.infinity)
        var total = 0.0
        for (index, batch) in queue.enumerated() {
            guard let member = batch.members.first else { continue }
            total += max(batch.estimatedTime, 0)
            let key = (longer: batch.estimatedTime, older: -member.request.arrival)
            if key > bestKey {
                bestKey = key
                best = index
            }
        }
        guard let best else { return nil }
        let drain = total / Double(max(1, running.count))
        return factor * bestKey.longer >= drain ? best : nil
    }

    /// KV token slots `member` holds once it has generated `generated` tokens of this
    /// admission (rounded up to whole blocks when `capacity` is given).
    func reservation(
        for member: QueuedRequest, generated: Int, under policy: ContinuousPolicy, capacity: ContinuousCapacity?
    ) -> Int {
        let limit = member.remainingTokens
        let tokens: Int
        switch policy.reservation {
        case .worstCase:
            tokens = member.inputTokens + limit
        case .predictedUpper:
            if let uncertainty, !uncertainty.trusts(member.request.application) {
                // An application the guard does not trust (coverage dropped, or no calibration
                // of its own yet) is planned with the model's own calibrated upper bound (twice
                // the median without one) and, once it runs, its conditional median: its worst
                // case, what the guard reserves for static batches, would cost far more
                // concurrency than the preemptions a wrong plan causes (docs/benchmarks.md
                // section 7).
                let upper = member.prediction.modelUpper < member.request.maxNewTokens
                    ? member.prediction.modelUpper : 2 * member.prediction.expected
                let plan = generated == 0 ? upper : generated + remainingPrediction(of: member, after: generated).expected
                tokens = member.inputTokens + min(limit, max(generated + 1, plan))
            } else if generated == 0 {
                tokens = member.inputTokens + min(limit, max(1, member.prediction.upper))
            } else {
                let rest = remainingPrediction(of: member, after: generated)
                tokens = member.inputTokens + generated + min(limit - generated, max(1, rest.upper))
            }
        case .promptWithWatermark:
            tokens = member.inputTokens + 1 + generated
        }
        return capacity.map { blocks(tokens, of: $0) } ?? tokens
    }

    /// What `member` still has to generate after `generated` more tokens: the calibrated
    /// distribution conditioned on exceeding what it has so far under an uncertainty model,
    /// the point prediction minus the progress otherwise (exact for the oracle), or its
    /// remaining budget without predictions.
    func remainingPrediction(of member: QueuedRequest, after generated: Int) -> LengthPrediction {
        let total = (member.progress?.tokens ?? 0) + generated
        let remaining = max(1, member.request.maxNewTokens - total)
        if let uncertainty {
            return uncertainty.continuation(
                of: member.originalPrediction, application: member.request.application, generated: total, remaining: remaining)
        }
        guard configuration.usesPredictions else { return LengthPrediction(expected: remaining, upper: remaining) }
        let original = member.originalPrediction
        let expected = min(remaining, max(1, original.expected - total))
        return LengthPrediction(expected: expected, upper: min(remaining, max(expected, original.upper - total)))
    }

    /// A continuous worker preempted `batch` after `generatedTokens` (`text`): the request is
    /// queued again as a continuation with its remaining length re-predicted, or unchanged
    /// when it had generated nothing. Preemption is not a fault: attempts do not grow.
    mutating func preempted(
        _ batch: DispatchedBatch, text: String, generatedTokens: Int, firstTokenSeconds: Seconds?
    ) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for member in batch.members {
            let tokens = min(max(0, generatedTokens), max(0, member.remainingTokens - 1))
            var next = member
            if tokens > 0 {
                next = continuation(
                    of: member, after: RequestOutput(id: member.request.id, text: text, generatedTokens: tokens),
                    dispatchedAt: batch.dispatchedAt, firstTokenAt: firstTokenSeconds.map { batch.dispatchedAt + max(0, $0) })
                next.prediction = remainingPrediction(of: member, after: tokens).clamped(to: configuration.kvTokenCapacity)
            }
            insert(next)
            actions.append(.preempted(member.request.id, generatedTokens: tokens, recomputedTokens: member.inputTokens + tokens))
        }
        return actions
    }

    /// Removes a running batch and releases what it reserved.
    mutating func takeRunning(_ id: BatchID) -> DispatchedBatch? {
        guard let batch = running.removeValue(forKey: id) else { return nil }
        if batch.reservedTokens != 0 {
            let left = reservedTokens[batch.worker, default: 0] - batch.reservedTokens
            reservedTokens[batch.worker] = left > 0 ? left : nil
        }
        return batch
    }

    private func blocks(_ tokens: Int, of capacity: ContinuousCapacity) -> Int {
        let size = max(1, capacity.blockSize)
        return (max(0, tokens) + size - 1) / size * size
    }
}
