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
            guard let members = ownBatchMembers(result.batchID, routingID), let problem = Self.problem(with: result, members: members)
            else { return (message, []) }
            return faulted(result.batchID, problem, routingID)
        case .outOfMemory(let oom):
            guard ownBatchMembers(oom.batchID, routingID) != nil,
                let problem = Self.problem(
                    numbers: [("step", Double(oom.step)), ("required_bytes", Double(oom.requiredBytes)),
                        ("available_bytes", Double(oom.availableBytes)), ("duration", oom.duration)])
            else { return (message, []) }
            return faulted(oom.batchID, problem, routingID)
        case .fault(var fault):
            fault.message = Self.shortened(fault.message)
            return (.fault(fault), [])
        case .goodbye(var goodbye):
            goodbye.reason = goodbye.reason.map(Self.shortened)
            return (.goodbye(goodbye), [])
        case .ready, .heartbeat:
            return (message, [])
        }
    }

    /// The request ids of `batch` if it is the one this worker holds.
    private func ownBatchMembers(_ batch: BatchID, _ routingID: RoutingID) -> [RequestID]? {
        guard workers[routingID]?.batch == batch, let running = scheduler.running[batch] else { return nil }
        return running.members.map(\.request.id)
    }

    private mutating func faulted(_ batch: BatchID, _ problem: String, _ routingID: RoutingID) -> (message: WorkerMessage?, outputs: [CoordinatorOutput]) {
        let error = MagnusError(.invalidReport, "report on \(batch) refused: \(problem); the batch is requeued")
        return (
            .fault(FaultMessage(batchID: batch, message: "invalid report: \(problem)")),
            [screenError(routingID, error), .log(.warning, "worker \(routingID) sent an invalid report on \(batch): \(problem)")]
        )
    }

    private mutating func screenError(_ routingID: RoutingID, _ error: MagnusError) -> CoordinatorOutput {
        metrics.recordError(error.code)
        return .worker(routingID: routingID, directive: .error(ErrorMessage(error)))
    }

    private static func problem(with hello: HelloMessage) -> String? {
        let c = hello.capabilities
        for (field, text) in [("worker", hello.worker.rawValue), ("gpu", c.gpu), ("model", c.model), ("engine", c.engine)] {
            if text.utf8.count > (field == "worker" ? 255 : maxWorkerTextBytes) { return "\(field) is too long" }
        }
        if hello.worker.rawValue.isEmpty { return "worker name is empty" }
        return problem(numbers: [("memory_bytes", Double(c.memoryBytes)), ("max_batch_size", Double(c.maxBatchSize))])
    }

    private static func problem(with result: BatchResultMessage, members: [RequestID]) -> String? {
        if let problem = problem(numbers: [("duration", result.duration)]) { return problem }
        let expected = Set(members)
        var seen = Set<RequestID>()
        for output in result.outputs {
            guard expected.contains(output.id) else { return "output for \(output.id), which is not in the batch" }
            guard seen.insert(output.id).inserted else { return "two outputs for \(output.id)" }
            if output.generatedTokens < 0 { return "generated_tokens of \(output.id) is negative" }
            if let seenTokens = output.inputTokensSeen, seenTokens < 0 { return "input_tokens_seen of \(output.id) is negative" }
        }
        return nil
    }

    /// The first of `numbers` that is negative or not finite, described.
    private static func problem(numbers: [(String, Double)]) -> String? {
        for (field, value) in numbers where !value.isFinite || value < 0 { return "\(field) must be a finite number >= 0, got \(value)" }
        return nil
    }

    private static func shortened(_ text: String) -> String {
        guard text.utf8.count > maxWorkerTextBytes else { return text }
        return String(decoding: text.utf8.prefix(maxWorkerTextBytes), as: UTF8.self) + "…"
    }
}
