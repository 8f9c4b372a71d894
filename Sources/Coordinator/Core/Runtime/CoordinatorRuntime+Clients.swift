import Shared

extension CoordinatorRuntime {
    /// A multipart message from the client socket: routing id, optional empty delimiters,
    /// then the JSON payload.
    public mutating func receiveClient(_ frames: [[UInt8]], now: Double) -> [CoordinatorOutput] {
        guard frames.count >= 2 else {
            // No routing id to answer to: a ROUTER always adds one, so this is a shell bug.
            return [.log(.error, "client message without a routing id (\(frames.count) frames)")]
        }
        let envelope = ClientEnvelope(client: RoutingID(frames[0]), delimiters: frames.count - 2)
        guard frames.dropFirst().dropLast().allSatisfy(\.isEmpty) else {
            return [
                refusal(
                    ClientEnvelope(client: envelope.client), id: nil,
                    MagnusError(.malformedMessage, "send one frame (the JSON payload); got \(frames.count - 1) frames"))
            ] + line(.debug, "client sent \(frames.count - 1) frames")
        }
        let message: ClientMessage
        do {
            message = try ClientMessage.decode(frames[frames.count - 1], maxBytes: settings.maxPayloadBytes)
        } catch {
            return [refusal(envelope, id: nil, error)] + line(.debug, "client message refused: \(error)")
        }
        return receiveClient(message, envelope: envelope, now: now)
    }

    /// A decoded client message from behind `envelope` (routing id and delimiters). The
    /// simulator's clients call this directly; the shell goes through the frames above.
    /// - Complexity: a submit costs its prediction and insertion plus one dispatch round.
    public mutating func receiveClient(_ message: ClientMessage, envelope: ClientEnvelope, now: Double) -> [CoordinatorOutput] {
        switch message {
        case .submit(let submit): return self.submit(submit, envelope: envelope, now: now)
        case .cancel(let cancel): return self.cancel(cancel.id, envelope: envelope, now: now)
        case .ping(let ping):
            return [
                .client(
                    envelope: envelope,
                    reply: .pong(
                        PongMessage(
                            nonce: ping.nonce, uptime: now, queueDepth: scheduler.queuedRequestCount,
                            workers: workers.count, draining: isDraining)))
            ]
        }
    }

    // MARK: - Submit

    private mutating func submit(_ submit: SubmitMessage, envelope: ClientEnvelope, now: Double) -> [CoordinatorOutput] {
        let id = submit.id
        let request: Request
        let fingerprint: ContentFingerprint
        switch validate(submit, now: now) {
        case .success(let valid): (request, fingerprint) = valid
        case .failure(let error): return [refusal(envelope, id: id, error)]
        }

        // Idempotency: the id is the key, the content fingerprint tells retries from conflicts.
        if var existing = pending[id] {
            guard existing.fingerprint == fingerprint else { return [duplicate(id, envelope)] }
            existing.envelope = envelope
            // The (possibly new) connection has seen none of the text: streaming starts over
            // from its beginning at the next progress report.
            existing.streamedText = submit.stream == true ? "" : nil
            pending[id] = existing
            return [.client(envelope: envelope, reply: .accepted(acceptance(of: id, existing)))]
        }
        if let answer = finished[id] {
            guard answer.fingerprint == fingerprint else { return [duplicate(id, envelope)] }
            return [.client(envelope: envelope, reply: answer.reply)]
        }

        if isDraining {
            return [refusal(envelope, id: id, MagnusError(.shuttingDown, "the coordinator is shutting down; resubmit later"))]
        }
        if let error = admissionRefusal(request, client: envelope.client) { return [refusal(envelope, id: id, error)] }

        var out: [CoordinatorOutput] = []
        let deadlineCheck = deadlineAdmission(for: request, now: now)
        for action in scheduler.submit(request, admit: deadlineCheck) {
            switch action {
            case .accepted(_, let prediction):
                let record = PendingRequest(
                    envelope: envelope, fingerprint: fingerprint, inputTokens: request.inputTokens,
                    predictedTokens: prediction.expected, arrival: now, deadline: request.deadline,
                    streamedText: submit.stream == true ? "" : nil)
                pending[id] = record
                if let deadline = request.deadline { deadlines[id] = deadline }
                journal(.accepted(request, client: envelope, fingerprint: fingerprint, prediction: prediction, at: now), into: &out)
                out.append(.client(envelope: envelope, reply: .accepted(acceptance(of: id, record, justInserted: true))))
            case .rejected(_, let error):
                out.append(refusal(envelope, id: id, error))
            default:
                out += handle(action, now: now)
            }
        }
        dispatch(now: now, into: &out)
        return out
    }

    /// Checks a submit's fields and builds the scheduler's request and the content fingerprint.
    private func validate(_ submit: SubmitMessage, now: Double) -> Result<(Request, ContentFingerprint), MagnusError> {
        func invalid(_ message: String) -> Result<(Request, ContentFingerprint), MagnusError> {
            .failure(MagnusError(.invalidRequest, message))
        }
        let idBytes = submit.id.rawValue.utf8.count
        guard (1...WireProtocol.maxRequestIDBytes).contains(idBytes) else {
            return invalid("id must be 1...\(WireProtocol.maxRequestIDBytes) bytes, got \(idBytes)")
        }
        let maxNewTokens = submit.maxNewTokens ?? settings.defaultMaxNewTokens
        guard (1...settings.maxNewTokensLimit).contains(maxNewTokens) else {
            return invalid("max_new_tokens must be in 1...\(settings.maxNewTokensLimit), got \(maxNewTokens)")
        }
        if let given = submit.inputTokens, !(0...100_000_000).contains(given) {
            return invalid("input_tokens must be in 0...100000000, got \(given)")
        }
        if let deadline = submit.deadlineMilliseconds, !(1...86_400_000).contains(deadline) {
            return invalid("deadline_ms must be in 1...86400000, got \(deadline)")
        }
        if let hint = submit.simulatedOutputTokens, hint < 0 {
            return invalid("sim_output_tokens cannot be negative, got \(hint)")
        }
        // A declared length is checked against the counter: the larger counts, so a client
        // cannot slip a long input past the memory check by declaring it short.
        let counted = counter.count(submit.instruction) + counter.count(submit.input)
        let inputTokens = max(submit.inputTokens ?? 0, counted)
        var fingerprint = ContentFingerprint()
        fingerprint.combine(submit.application)
        fingerprint.combine(submit.instruction)
        fingerprint.combine(submit.input)
        fingerprint.combine(inputTokens)
        fingerprint.combine(maxNewTokens)
        fingerprint.combine(submit.simulatedOutputTokens)
        let request = Request(
            id: submit.id, application: submit.application, instruction: submit.instruction, input: submit.input,
            inputTokens: inputTokens, maxNewTokens: maxNewTokens, arrival: now,
            deadline: submit.deadlineMilliseconds.map { now + Double($0) / 1000 },
            referenceOutputTokens: submit.simulatedOutputTokens)
        return .success((request, fingerprint))
    }

    private mutating func duplicate(_ id: RequestID, _ envelope: ClientEnvelope) -> CoordinatorOutput {
        refusal(envelope, id: id, MagnusError(.duplicateID, "request \(id) was already submitted with different content"))
    }

    /// `accepted` for a pending request, with its current place in the queue.
    /// - Parameter justInserted: the request was just appended to its batch, so it is that
    ///   batch's last member and only last members need checking.
    /// - Complexity: O(queued batches) when `justInserted`, else O(queued requests).
    private func acceptance(of id: RequestID, _ record: PendingRequest, justInserted: Bool = false) -> AcceptedMessage {
        var before = 0
        var position = 0
        search: for batch in scheduler.queue {
            if justInserted {
                if batch.members.last?.request.id == id {
                    position = before + 1
                    break search
                }
            } else {
                for member in batch.members where member.request.id == id {
                    position = before + 1
                    break search
                }
            }
            before += batch.members.count
        }
        return AcceptedMessage(
            id: id, predictedTokens: record.predictedTokens, inputTokens: record.inputTokens, queuePosition: position,
            queueDepth: scheduler.queuedRequestCount)
    }

    // MARK: - Cancel

    private mutating func cancel(_ id: RequestID, envelope: ClientEnvelope, now: Double) -> [CoordinatorOutput] {
        // Only the connection the request's answer goes to may cancel it; to anyone else it is
        // unknown: a pending request of another client can be neither cancelled nor probed.
        guard let record = pending[id], record.envelope?.client == envelope.client else {
            let reason = pending[id] == nil && finished[id] != nil ? "finished" : "unknown"
            return [.client(envelope: envelope, reply: .cancelled(CancelledMessage(id: id, cancelled: false, reason: reason)))]
        }
        guard scheduler.cancel(id) else {
            return [.client(envelope: envelope, reply: .cancelled(CancelledMessage(id: id, cancelled: false, reason: "running")))]
        }
        // Cancelled requests are not stored: resubmitting the id runs it anew.
        pending[id] = nil
        deadlines[id] = nil
        let reply = CoordinatorReply.cancelled(CancelledMessage(id: id, cancelled: true))
        var out: [CoordinatorOutput] = [.client(envelope: envelope, reply: reply)]
        journal(.cancelled(id, at: now), into: &out)
        if let waiting = record.envelope, waiting != envelope { out.append(.client(envelope: waiting, reply: reply)) }
        return out
    }
}
