import Shared

extension CoordinatorRuntime {
    /// A multipart message from the worker socket: routing id (the worker's name), optional
    /// empty delimiters, then the JSON payload. Any message counts as a heartbeat.
    public mutating func receiveWorker(_ frames: [[UInt8]], now: Double) -> [CoordinatorOutput] {
        guard frames.count >= 2 else {
            return [.log(.error, "worker message without a routing id (\(frames.count) frames)")]
        }
        let routingID = RoutingID(frames[0])
        guard frames.dropFirst().dropLast().allSatisfy(\.isEmpty) else {
            return [
                workerError(routingID, MagnusError(.malformedMessage, "send one frame (the JSON payload); got \(frames.count - 1) frames"))
            ]
        }
        let message: WorkerMessage
        do {
            // Batch reports carry every output text: only the transport limit applies.
            message = try WorkerMessage.decode(frames[frames.count - 1], maxBytes: WireProtocol.transportMessageLimit)
        } catch {
            var out = [workerError(routingID, error)]
            noteBadMessage(from: routingID, "sent a bad message: \(error)", into: &out)
            return out
        }
        return receiveWorker(message, from: routingID, now: now)
    }

    /// A decoded worker message from the worker with `routingID`: screened, then acted on.
    /// The simulator's workers call this directly; the shell goes through the frames above.
    /// Any message counts as a heartbeat.
    /// - Complexity: O(β) for a report plus the scheduler's work and one dispatch round.
    public mutating func receiveWorker(_ message: WorkerMessage, from routingID: RoutingID, now: Double) -> [CoordinatorOutput] {
        let screened = screen(message, from: routingID)
        guard let message = screened.message else { return screened.outputs }
        if case .hello(let hello) = message { return self.hello(hello, from: routingID, now: now) }
        guard var record = workers[routingID] else {
            if case .goodbye = message { return [] }
            return [
                workerError(routingID, MagnusError(.unknownWorker, "unknown worker \(routingID); send hello")),
                .log(.info, "message from unknown worker \(routingID); asked it to say hello"),
            ]
        }
        record.lastHeard = now
        workers[routingID] = record
        var out = screened.outputs
        switch message {
        case .hello, .heartbeat: break
        case .ready(let ready): self.ready(record, room: ready.room, now: now, into: &out)
        case .result(let result):
            guard let batch = owned(result.batchID, by: record, into: &out) else { break }
            observeCompletion(of: batch, now: now)
            let report = BatchReport(
                batchID: batch, worker: record.id, duration: result.duration, outputs: result.outputs.map(\.output),
                firstTokenSeconds: result.firstTokenSeconds)
            release(routingID, batch: batch, completed: true, now: now)
            let actions = scheduler.complete(report, now: now)
            journal(.outcome(actions, at: now), into: &out)
            for action in actions { out += handle(action, now: now) }
        case .outOfMemory(let oom):
            guard let batch = owned(oom.batchID, by: record, into: &out) else { break }
            out.append(
                .log(
                    .info,
                    "batch \(batch) ran out of memory on \(record.id) at step \(oom.step) (\(oom.requiredBytes) > \(oom.availableBytes) bytes)"
                ))
            failBatch(batch, of: record, reason: .outOfMemory(step: oom.step), now: now, into: &out)
        case .fault(let fault):
            guard let batch = owned(fault.batchID, by: record, into: &out) else { break }
            out.append(.log(.warning, "engine fault on \(record.id), batch \(batch): \(fault.message)"))
            failBatch(batch, of: record, reason: .engineFault(fault.message), now: now, into: &out)
        case .goodbye(let goodbye):
            remove(routingID, reason: "said goodbye" + (goodbye.reason.map { " (\($0))" } ?? ""), lost: false, now: now, into: &out)
        case .progress(let progress):
            // Stale rows (an admission taken back meanwhile) are ignored without a word. Progress
            // frees no room, so no dispatch round follows (the next ending brings one).
            for row in progress.rows where record.admissions.contains(row.batchID) {
                scheduler.progress(row.batchID, generatedTokens: row.generatedTokens, now: now)
                if let text = row.text { streamText(text, of: row.batchID, generatedTokens: row.generatedTokens, into: &out) }
            }
            return out
        case .preempted(let preempted):
            guard let batch = owned(preempted.batchID, by: record, into: &out) else { break }
            if var current = workers[routingID] {
                current.preemptions += 1
                workers[routingID] = current
            }
            failBatch(
                batch, of: record,
                reason: .preempted(
                    text: preempted.text, generatedTokens: preempted.generatedTokens,
                    firstTokenSeconds: preempted.firstTokenSeconds), now: now, into: &out)
        }
        refuseQueued(now: now, into: &out)
        dispatch(now: now, into: &out)
        return out
    }

    /// Sends a streaming client the text its request gained since the last piece: `text` is
    /// what the admission generated so far, after the text of earlier admissions (a preempted
    /// or capped request continues). Text that does not extend what was sent (an engine that
    /// re-decoded differently) is not sent; the result carries the whole text anyway.
    /// - Complexity: O(text).
    private mutating func streamText(_ text: String, of batchID: BatchID, generatedTokens: Int, into out: inout [CoordinatorOutput]) {
        guard let member = scheduler.running[batchID]?.members.first, var request = pending[member.request.id],
            let sent = request.streamedText, let envelope = request.envelope
        else { return }
        let whole = (member.progress?.text ?? "") + text
        let sentBytes = sent.utf8.count
        guard whole.utf8.count > sentBytes, whole.utf8.starts(with: sent.utf8) else { return }
        let piece = String(decoding: whole.utf8.dropFirst(sentBytes), as: UTF8.self)
        request.streamedText = whole
        pending[member.request.id] = request
        let tokens = (member.progress?.tokens ?? 0) + generatedTokens
        out.append(
            .client(
                envelope: envelope,
                reply: .partial(PartialMessage(id: member.request.id, text: piece, offset: sentBytes, generatedTokens: tokens))))
    }

    /// A send to the worker failed because it is gone (the socket reported it unroutable):
    /// the worker is removed and its batch requeued.
    public mutating func workerUnreachable(_ routingID: RoutingID, now: Double) -> [CoordinatorOutput] {
        var out: [CoordinatorOutput] = []
        guard workers[routingID] != nil else { return out }
        metrics.recordWorkerLost()
        remove(routingID, reason: "is unreachable", lost: true, now: now, into: &out)
        refuseQueued(now: now, into: &out)
        dispatch(now: now, into: &out)
        return out
    }

    // MARK: - Membership

    private mutating func hello(_ hello: HelloMessage, from routingID: RoutingID, now: Double) -> [CoordinatorOutput] {
        var out: [CoordinatorOutput] = []
        guard hello.protocolVersion == WireProtocol.version else {
            return [
                workerError(
                    routingID,
                    MagnusError(.unsupportedVersion, "protocol_version \(hello.protocolVersion) is not supported (this coordinator speaks \(WireProtocol.version))"))
            ]
        }
        let capabilities = hello.capabilities.capabilities
        guard capabilities.kvBudgetBytes > 0, capabilities.kvBytesPerToken > 0, capabilities.maxBatchSize >= 0 else {
            return [
                workerError(routingID, MagnusError(.malformedMessage, "capabilities need kv_budget_bytes > 0, kv_bytes_per_token > 0, max_batch_size >= 0"))
            ]
        }
        let wantsContinuous = scheduler.configuration.continuous != nil
        if wantsContinuous != (capabilities.continuous != nil) {
            let message = wantsContinuous
                ? "this coordinator runs the continuous policy \(scheduler.configuration.continuous!.name): start the worker with --continuous"
                : "this coordinator runs the static policy \(scheduler.configuration.policy.name): start the worker without --continuous, or the coordinator with a continuous policy (ccb, fcfs-cb, magnus-cb)"
            return [
                workerError(routingID, MagnusError(.incompatibleWorker, message)),
                .log(.warning, "refused worker \(hello.worker): \(message)"),
            ]
        }
        if var known = workers[routingID] {
            if known.heldBatches.isEmpty {
                // A repeated hello (a retry, or the answer to unknown_worker): welcome again.
                known.capabilities = capabilities
                known.id = hello.worker
                known.lastHeard = now
                workers[routingID] = known
                return [.worker(routingID: routingID, directive: .welcome(welcome(hello.worker)))]
            }
            // The worker restarted while we thought it was running a batch: that batch is gone.
            remove(routingID, reason: "said hello again while holding a batch", lost: true, now: now, into: &out)
        }
        workers[routingID] = WorkerRecord(
            routingID: routingID, id: hello.worker, capabilities: capabilities, stateSince: now, lastHeard: now)
        if RoutingID(hello.worker.rawValue) != routingID {
            out.append(.log(.warning, "worker \(hello.worker) uses routing id \(routingID); set the routing id to the worker name"))
        }
        out.append(.worker(routingID: routingID, directive: .welcome(welcome(hello.worker))))
        out.append(.status(.event(StatusEvent(kind: .workerUp, time: now, worker: hello.worker))))
        out.append(
            .log(
                .info,
                "worker \(hello.worker) up: \(capabilities.gpu), \(capabilities.model), \(capabilities.kvTokenCapacity) KV token slots, \(workers.count) workers"
            ))
        refuseQueued(now: now, into: &out)
        return out
    }

    private func welcome(_ worker: WorkerID) -> WelcomeMessage {
        WelcomeMessage(
            worker: worker, heartbeatIntervalMilliseconds: Int(settings.heartbeatInterval * 1000),
            heartbeatTimeoutMilliseconds: Int(settings.heartbeatTimeout * 1000))
    }

    private mutating func ready(_ record: WorkerRecord, room: ContinuousRoom?, now: Double, into out: inout [CoordinatorOutput]) {
        if record.isContinuous {
            // Room replaces the last: the worker counts what it runs and what waits in it.
            guard var current = workers[record.routingID] else { return }
            current.room = room ?? current.room
            if current.readyOrder == nil {
                current.state = .idle(order: nextReadyOrder)
                current.stateSince = now
                nextReadyOrder += 1
            }
            workers[record.routingID] = current
            return
        }
        if let batch = record.batch {
            // It says it is idle while we think it runs a batch: that batch is lost.
            out.append(.log(.warning, "worker \(record.id) is ready while holding \(batch); requeueing it"))
            failBatch(batch, of: record, reason: .workerLost, now: now, into: &out)
        }
        guard var current = workers[record.routingID], current.readyOrder == nil else { return }
        current.state = .idle(order: nextReadyOrder)
        current.stateSince = now
        nextReadyOrder += 1
        workers[record.routingID] = current
    }

    /// Declares workers silent for longer than the heartbeat timeout lost.
    mutating func expireSilentWorkers(now: Double, into out: inout [CoordinatorOutput]) {
        let silent = workers.values.filter { now - $0.lastHeard > settings.heartbeatTimeout }
        guard !silent.isEmpty else { return }
        for record in silent.sorted(by: { $0.routingID < $1.routingID }) {
            metrics.recordWorkerLost()
            let seconds = now - record.lastHeard
            remove(record.routingID, reason: "missed heartbeats for \(Self.format(seconds)) s", lost: true, now: now, into: &out)
        }
        refuseQueued(now: now, into: &out)
        dispatch(now: now, into: &out)
    }

    /// Takes back batches running far past their estimate from workers that still heartbeat
    /// (a hung engine): each is requeued as a fault and its worker told `batch_timeout`; the
    /// worker gets no new batch until it asks again, and a late report is ignored.
    /// - Complexity: O(workers).
    mutating func expireOverdueBatches(now: Double, into out: inout [CoordinatorOutput]) {
        let overdue = workers.values.flatMap { record -> [(WorkerRecord, BatchID, Double, Double)] in
            record.heldBatches.compactMap { batch in
                guard let running = scheduler.running[batch] else { return nil }
                let limit = max(settings.batchTimeoutFloor, settings.batchTimeoutFactor * max(0, running.estimatedTime))
                let ran = now - (record.isContinuous ? running.dispatchedAt : record.stateSince)
                return ran > limit ? (record, batch, limit, ran) : nil
            }
        }
        guard !overdue.isEmpty else { return }
        for (record, batch, limit, ran) in overdue.sorted(by: { ($0.0.routingID, $0.1) < ($1.0.routingID, $1.1) }) {
            let message = "batch \(batch) ran \(Self.format(ran)) s, past its limit of \(Self.format(limit)) s; taken back and requeued"
            out.append(workerError(record.routingID, MagnusError(.batchTimeout, message)))
            out.append(.log(.warning, "worker \(record.id): \(message)"))
            failBatch(batch, of: record, reason: .engineFault("ran past its batch timeout"), now: now, into: &out)
        }
        dispatch(now: now, into: &out)
    }

    /// Forgets a worker; a batch it held goes back to the queue.
    private mutating func remove(_ routingID: RoutingID, reason: String, lost: Bool, now: Double, into out: inout [CoordinatorOutput]) {
        guard let record = workers.removeValue(forKey: routingID) else { return }
        out.append(.status(.event(StatusEvent(kind: .workerDown, time: now, worker: record.id, message: reason))))
        out.append(.log(lost ? .warning : .info, "worker \(record.id) \(reason); \(workers.count) workers left"))
        for batch in record.heldBatches { failBatch(batch, of: record, reason: .workerLost, now: now, into: &out) }
    }

    /// The one path of a batch that came back without results (OOM, fault, lost worker):
    /// the worker no longer holds it, the scheduler splits, requeues or fails it, and that is
    /// journalled, counted and answered.
    private mutating func failBatch(
        _ batch: BatchID, of record: WorkerRecord, reason: BatchFailure, now: Double, into out: inout [CoordinatorOutput]
    ) {
        release(record.routingID, batch: batch, completed: false, now: now)
        let actions = scheduler.failed(batch, reason: reason)
        journal(.batchFailed(batch, reason, actions: actions, at: now), into: &out)
        if case .outOfMemory = reason {
            let parts = actions.reduce(0) { count, action in
                if case .split(_, let children) = action { return count + children.count }
                return count
            }
            metrics.recordOutOfMemory(splitInto: parts)
        }
        for action in actions { out += handle(action, now: now, worker: record.id) }
    }

    /// The worker's batch, if `batch` is the one it holds; otherwise an `unknown_batch` error.
    private mutating func owned(_ batch: BatchID, by record: WorkerRecord, into out: inout [CoordinatorOutput]) -> BatchID? {
        if record.holds(batch) { return batch }
        out.append(workerError(record.routingID, MagnusError(.unknownBatch, "batch \(batch) is not assigned to this worker; report ignored")))
        out.append(.log(.info, "ignored a report on \(batch) from \(record.id) (not its batch; requeued earlier?)"))
        return nil
    }

    /// The worker no longer holds `batch` (a static worker then waits for its next `ready`;
    /// a continuous one keeps its place); nothing when it is already gone.
    private mutating func release(_ routingID: RoutingID, batch: BatchID, completed: Bool, now: Double) {
        guard var record = workers[routingID] else { return }
        if record.isContinuous {
            record.admissions.remove(batch)
        } else {
            record.state = .connected
            record.stateSince = now
        }
        if completed { record.completedBatches += 1 }
        workers[routingID] = record
    }

    private mutating func workerError(_ routingID: RoutingID, _ error: MagnusError) -> CoordinatorOutput {
        metrics.recordError(error.code)
        return .worker(routingID: routingID, directive: .error(ErrorMessage(error)))
    }

    // MARK: - Dispatch

    /// Gives queued batches to idle workers, longest waiting first, as long as any fits.
    /// - Complexity: O(workers log workers + idle workers × queued batches).
    mutating func dispatch(now: Double, into out: inout [CoordinatorOutput]) {
        guard !isDraining, !scheduler.queue.isEmpty else { return }
        let waiting = workers.values.compactMap { record in record.readyOrder.map { (order: $0, record: record) } }
        guard !waiting.isEmpty else { return }
        if waiting.contains(where: { $0.record.isContinuous }) { admitToContinuousWorkers(now: now, into: &out) }
        for (_, record) in waiting.sorted(by: { $0.order < $1.order }) where !record.isContinuous {
            guard !scheduler.queue.isEmpty else { break }
            for action in scheduler.dispatch(to: record.id, capabilities: record.capabilities, now: now) {
                guard case .dispatched(let batch) = action else {
                    out += handle(action, now: now, worker: record.id)
                    continue
                }
                send(batch, to: record, now: now, into: &out)
            }
        }
    }

    /// Admissions for continuous workers, one request at a time in the policy's order, each
    /// to the least loaded worker it fits (the smallest share of its KV cache reserved plus
    /// share of its sequences running), until the next request fits none.
    /// - Complexity: O(admissions × (queued requests + continuous workers × running)).
    private mutating func admitToContinuousWorkers(now: Double, into out: inout [CoordinatorOutput]) {
        var candidates = workers.values.filter { $0.isContinuous && $0.readyOrder != nil && ($0.room?.freeSequences ?? 0) > 0 }
            .map(\.routingID)
        while !candidates.isEmpty, let index = scheduler.nextAdmission(now: now) {
            let ordered = candidates.compactMap { id in workers[id].map { (id, load(of: $0)) } }
                .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            var admitted = false
            for (id, _) in ordered {
                guard let record = workers[id], var room = record.room else { continue }
                let admission = scheduler.tryAdmit(index, to: record.id, capabilities: record.capabilities, room: &room, now: now)
                workers[id]?.room = room
                if room.freeSequences <= 0 { candidates.removeAll { $0 == id } }
                guard let admission else { continue }
                send(admission, to: record, now: now, into: &out)
                admitted = true
                break
            }
            if !admitted { break }
        }
    }

    /// A continuous worker's load: share of its KV slots reserved plus share of its sequences running.
    private func load(of record: WorkerRecord) -> Double {
        guard let capacity = record.capabilities.continuous else { return .infinity }
        return Double(scheduler.reservedTokens[record.id] ?? 0) / Double(max(1, capacity.kvTokenSlots))
            + Double(record.admissions.count) / Double(max(1, capacity.maxRunning))
    }

    private mutating func send(_ batch: DispatchedBatch, to record: WorkerRecord, now: Double, into out: inout [CoordinatorOutput]) {
        journal(.dispatched(batch, at: now), into: &out)
        if var busy = workers[record.routingID] {
            if busy.isContinuous {
                busy.admissions.insert(batch.id)
            } else {
                busy.state = .busy(batch.id)
                busy.stateSince = now
            }
            workers[record.routingID] = busy
        }
        let items = batch.items
        out.append(
            .worker(
                routingID: record.routingID,
                directive: .batch(BatchMessage(batchID: batch.id, requests: items, estimatedSeconds: batch.estimatedTime))))
        out.append(
            .status(
                .event(
                    StatusEvent(
                        kind: .dispatch, time: now, batchID: batch.id, worker: record.id, batchSize: items.count,
                        estimatedSeconds: batch.estimatedTime))))
        out += line(.debug, "dispatched \(batch.id) (\(items.count) requests) to \(record.id)")
    }

    // MARK: - Scheduler actions

    /// Turns one scheduler action into replies, events and metrics.
    mutating func handle(_ action: SchedulerAction, now: Double, worker: WorkerID? = nil) -> [CoordinatorOutput] {
        var out: [CoordinatorOutput] = []
        switch action {
        case .accepted, .rejected, .dispatched:
            // Only `submit` and `dispatch` produce these, and they handle them themselves.
            break
        case .completed(let completed):
            let id = completed.request.id
            guard let record = pending.removeValue(forKey: id) else {
                out.append(.log(.error, "completed request \(id) has no pending record"))
                break
            }
            deadlines[id] = nil
            let firstToken = completed.firstTokenAt.map { min(max(0, $0 - completed.request.arrival), now - completed.request.arrival) }
            let reply = CoordinatorReply.result(
                ResultMessage(
                    id: id, text: completed.output.text, generatedTokens: completed.output.generatedTokens,
                    inputTokens: completed.request.inputTokens, predictedTokens: completed.prediction.expected,
                    worker: completed.worker, batchID: completed.batchID,
                    queueMilliseconds: max(0, completed.dispatchedAt - completed.request.arrival) * 1000,
                    responseMilliseconds: max(0, now - completed.request.arrival) * 1000,
                    firstTokenMilliseconds: firstToken.map { $0 * 1000 }))
            finished.store(id, fingerprint: record.fingerprint, reply: reply)
            metrics.recordCompletion(
                at: now, responseTime: now - completed.request.arrival, generatedTokens: completed.output.generatedTokens,
                predictedTokens: completed.prediction.expected, firstTokenTime: firstToken)
            if let envelope = record.envelope { out.append(.client(envelope: envelope, reply: reply)) }
        case .failed(let request, let error):
            finish(request.id, with: error, into: &out)
            out.append(.status(.event(StatusEvent(kind: .failure, time: now, message: "\(request.id): \(error)"))))
            out.append(.log(.warning, "request \(request.id) failed: \(error)"))
        case .split(let parent, let children):
            out.append(.status(.event(StatusEvent(kind: .oom, time: now, batchID: parent, worker: worker, children: children))))
            out.append(.log(.info, "split \(parent) into \(children.map(\.description).joined(separator: ", "))"))
        case .preempted(let id, let tokens, _):
            metrics.recordPreemption()
            out.append(.status(.event(StatusEvent(kind: .preemption, time: now, worker: worker, message: "\(id) after \(tokens) tokens"))))
            out += line(.debug, "\(id) was preempted on \(worker.map(\.description) ?? "its worker") after \(tokens) tokens; it continues in a later admission")
        case .continued(let id, let tokens):
            metrics.recordContinuation()
            out += line(.debug, "\(id) reached its batch's generation cap after \(tokens) tokens; it continues in a later batch")
        case .requeued(let batch, let attempts):
            metrics.recordRequeue()
            out.append(.status(.event(StatusEvent(kind: .requeue, time: now, children: [batch], message: "attempt \(attempts)"))))
            out.append(.log(.info, "requeued as \(batch) after \(attempts) failed attempts"))
        case .observedBatch(let observation):
            out.append(
                .status(
                    .event(
                        StatusEvent(
                            kind: .complete, time: now, batchID: observation.batchID, worker: observation.worker,
                            batchSize: observation.predicted.batchSize, estimatedSeconds: observation.estimatedTime,
                            durationSeconds: observation.actualTime))))
            out += line(
                .debug,
                "\(observation.batchID) done on \(observation.worker): β=\(observation.predicted.batchSize), \(Self.format(observation.actualTime)) s (estimated \(Self.format(observation.estimatedTime)) s)"
            )
        }
        return out
    }

    // MARK: - Formatting

    /// Seconds with two decimals.
    public static func format(_ seconds: Double) -> String {
        // Beyond 10^12 (or not finite) as Swift prints it: never a conversion to Int that traps.
        guard seconds.isFinite, abs(seconds) < 1e12 else { return "\(seconds)" }
        return Format.fixed(seconds, 2)
    }
}
