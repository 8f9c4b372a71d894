import Shared

extension CoordinatorRuntime {
    /// Longest free text kept from a worker (fault messages, goodbye reasons, names), in bytes.
    static let maxWorkerTextBytes = 1024

    /// Checks what a well-formed worker message says before it is acted on: numbers out of
    /// range, names too long, outputs that do not match the batch. A report on the worker's own
    /// batch that breaks these rules is answered `invalid_report` and treated as a `fault`, so
    /// the batch is requeued and never answered from bad data; a bad `hello` is answered
    /// `malformed_message` and ignored. Free text is shortened.
    /// - Returns: the message to act on (nil: refused), and the error replies to send.
    /// - Complexity: O(β) for a report.
    mutating func screen(_ message: WorkerMessage, from routingID: RoutingID) -> (message: WorkerMessage?, outputs: [CoordinatorOutput]) {
        switch message {
        case .hello(let hello):
            guard let problem = Self.problem(with: hello) else { return (message, []) }
            return (nil, [screenError(routingID, MagnusError(.malformedMessage, "bad hello: \(problem)"))])
        case .result(let result):
            guard let batch = ownBatch(result.batchID, routingID), let problem = Self.problem(with: result, batch: batch)
            else { return (message, []) }
            return faulted(result.batchID, problem, routingID)
        case .outOfMemory(let oom):
            guard let batch = ownBatch(oom.batchID, routingID),
                let problem = Self.problem(
                    numbers: [("step", Double(oom.step), Double(batch.generationLimit)),
                        ("required_bytes", Double(oom.requiredBytes), Self.maxBytes),
                        ("available_bytes", Double(oom.availableBytes), Self.maxBytes),
                        ("duration", oom.duration, Self.maxReportSeconds)])
            else { return (message, []) }
            return faulted(oom.batchID, problem, routingID)
        case .fault(var fault):
            fault.message = Self.shortened(fault.message)
            return (.fault(fault), [])
        case .goodbye(var goodbye):
            goodbye.reason = goodbye.reason.map(Self.shortened)
            return (.goodbye(goodbye), [])
        case .ready(let ready):
            if let problem = Self.problem(with: ready) {
                return (nil, [screenError(routingID, MagnusError(.malformedMessage, "bad ready: \(problem)"))])
            }
            return (message, [])
        case .heartbeat:
            return (message, [])
        case .progress(var progress):
            // Rows beyond what any worker runs, or with absurd counts, are dropped; the rest count.
            let limit = Int(Self.maxAnnouncedBatchSize)
            if progress.rows.count > limit { progress.rows.removeLast(progress.rows.count - limit) }
            progress.rows.removeAll { row in
                guard let batch = ownBatch(row.batchID, routingID) else { return true }
                return row.generatedTokens < 0 || row.generatedTokens > batch.generationLimit
            }
            // Text far longer than its tokens could decode to is not streamed (the count stays).
            for index in progress.rows.indices {
                let row = progress.rows[index]
                if let text = row.text, text.utf8.count > Self.maxProgressTextBytesPerToken * max(1, row.generatedTokens) {
                    progress.rows[index].text = nil
                }
            }
            return (.progress(progress), [])
        case .preempted(let preempted):
            guard let batch = ownBatch(preempted.batchID, routingID),
                let problem = Self.problem(
                    numbers: [("generated_tokens", Double(preempted.generatedTokens), Double(batch.generationLimit)),
                        ("duration", preempted.duration, Self.maxReportSeconds),
                        ("first_token_s", preempted.firstTokenSeconds ?? 0, Self.maxReportSeconds)])
            else { return (message, []) }
            return faulted(preempted.batchID, problem, routingID)
        }
    }

    /// `batch` if it is the one this worker holds (or one of its admissions).
    private func ownBatch(_ batch: BatchID, _ routingID: RoutingID) -> DispatchedBatch? {
        guard workers[routingID]?.holds(batch) == true else { return nil }
        return scheduler.running[batch]
    }

    private mutating func faulted(_ batch: BatchID, _ problem: String, _ routingID: RoutingID) -> (message: WorkerMessage?, outputs: [CoordinatorOutput]) {
        let error = MagnusError(.invalidReport, "report on \(batch) refused: \(problem); the batch is requeued")
        var outputs = [screenError(routingID, error)]
        noteBadMessage(from: routingID, "sent an invalid report on \(batch): \(problem)", into: &outputs)
        return (.fault(FaultMessage(batchID: batch, message: "invalid report: \(problem)")), outputs)
    }

    private mutating func screenError(_ routingID: RoutingID, _ error: MagnusError) -> CoordinatorOutput {
        metrics.recordError(error.code)
        return .worker(routingID: routingID, directive: .error(ErrorMessage(error)))
    }

    /// Largest byte count a worker may state (2^53: exact as a Double).
    static let maxBytes = 9_007_199_254_740_992.0
    /// Longest run a worker may report, seconds (about 11.6 days).
    static let maxReportSeconds = 1_000_000.0
    /// Most UTF-8 bytes of `progress` text per generated token (a token decodes to a few bytes;
    /// the longest tokens of real vocabularies are a few dozen).
    static let maxProgressTextBytesPerToken = 64
    /// Largest batch a worker may announce.
    static let maxAnnouncedBatchSize = 1_000_000.0
    /// Largest prompt length a worker may say it saw (the submit limit on input_tokens).
    static let maxInputTokensSeen = 100_000_000.0

    private static func problem(with ready: ReadyMessage) -> String? {
        problem(numbers: [
            ("free_tokens", Double(ready.freeTokens ?? 0), maxBytes),
            ("free_sequences", Double(ready.freeSequences ?? 0), maxAnnouncedBatchSize),
        ])
    }

    private static func problem(with hello: HelloMessage) -> String? {
        let c = hello.capabilities
        for (field, text) in [("worker", hello.worker.rawValue), ("gpu", c.gpu), ("model", c.model), ("engine", c.engine)] {
            if text.utf8.count > (field == "worker" ? 255 : maxWorkerTextBytes) { return "\(field) is too long" }
        }
        if hello.worker.rawValue.isEmpty { return "worker name is empty" }
        var numbers: [(String, Double, Double)] = [
            ("memory_bytes", Double(c.memoryBytes), maxBytes), ("kv_budget_bytes", Double(c.kvBudgetBytes), maxBytes),
            ("kv_bytes_per_token", Double(c.kvBytesPerToken), maxBytes),
            ("max_batch_size", Double(c.maxBatchSize), maxAnnouncedBatchSize),
        ]
        if let prefill = c.prefill {
            numbers += [
                ("prefill.budget_bytes", Double(prefill.budgetBytes), maxBytes),
                ("prefill.bytes_per_token", Double(prefill.bytesPerToken), maxBytes),
                ("prefill.bytes_per_token_pair", Double(prefill.bytesPerTokenPair), maxBytes),
            ]
        }
        if let continuous = c.continuous {
            numbers += [
                ("continuous.kv_token_slots", Double(continuous.kvTokenSlots), maxBytes),
                ("continuous.block_size", Double(continuous.blockSize), 1_048_576),
                ("continuous.max_running", Double(continuous.maxRunning), maxAnnouncedBatchSize),
            ]
            if continuous.blockSize < 1 || continuous.maxRunning < 1 || continuous.kvTokenSlots < continuous.blockSize {
                return "continuous needs block_size >= 1, max_running >= 1 and kv_token_slots >= block_size"
            }
        }
        return problem(numbers: numbers)
    }

    /// What is wrong with a report on `batch`: a duration out of range, outputs for requests
    /// not in it or twice, token counts below zero or above the limit the row ran with.
    /// - Complexity: O(β).
    private static func problem(with result: BatchResultMessage, batch: DispatchedBatch) -> String? {
        if let problem = problem(numbers: [
            ("duration", result.duration, maxReportSeconds), ("first_token_s", result.firstTokenSeconds ?? 0, maxReportSeconds),
        ]) { return problem }
        var members: [RequestID: QueuedRequest] = [:]
        for member in batch.members { members[member.request.id] = member }
        var seen = Set<RequestID>()
        for output in result.outputs {
            guard let member = members[output.id] else { return "output for \(output.id), which is not in the batch" }
            guard seen.insert(output.id).inserted else { return "two outputs for \(output.id)" }
            let limit = batch.maxNewTokens(for: member)
            if output.generatedTokens < 0 || output.generatedTokens > limit {
                return "generated_tokens of \(output.id) must be in 0...\(limit) (its limit in this batch), got \(output.generatedTokens)"
            }
            if let seenTokens = output.inputTokensSeen, seenTokens < 0 || Double(seenTokens) > maxInputTokensSeen {
                return "input_tokens_seen of \(output.id) must be in 0...\(Int(maxInputTokensSeen)), got \(seenTokens)"
            }
        }
        return nil
    }

    /// The first of `numbers` (name, value, largest allowed) that is negative, not finite or
    /// too large, described.
    private static func problem(numbers: [(String, Double, Double)]) -> String? {
        for (field, value, limit) in numbers where !value.isFinite || value < 0 || value > limit {
            return "\(field) must be a finite number in 0...\(limit), got \(value)"
        }
        return nil
    }

    private static func shortened(_ text: String) -> String {
        guard text.utf8.count > maxWorkerTextBytes else { return text }
        return String(decoding: text.utf8.prefix(maxWorkerTextBytes), as: UTF8.self) + "…"
    }
}
