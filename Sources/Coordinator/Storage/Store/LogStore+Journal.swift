import CSQLite
import Coordinator
import Shared

extension LogStore {
    /// The columns `readRequest` expects, in order.
    static let requestColumns = """
        id, application, instruction, input, input_tokens, max_new_tokens, arrival, deadline, reference_tokens
        """

    /// Reads `requestColumns` starting at column `first`.
    func readRequest(_ row: SQLiteStatement, from first: Int32 = 0) -> Request {
        Request(
            id: RequestID(row.text(first)), application: row.text(first + 1), instruction: row.text(first + 2),
            input: row.text(first + 3), inputTokens: row.int(first + 4), maxNewTokens: row.int(first + 5),
            arrival: local(row.double(first + 6)), deadline: row.optionalDouble(first + 7).map(local),
            referenceOutputTokens: row.optionalInt(first + 8))
    }

    // MARK: - Accept

    /// Journals an accepted request: the durable accept. Call it after the scheduler
    /// accepted the request and BEFORE acknowledging the client; when it returns the row is
    /// on disk (or, inside `write { }`, when `write` returns).
    ///
    /// Re-journalling an id replaces its record and makes it queued again, so look up
    /// `finishedResult` first to answer an idempotent resubmission.
    /// - Parameters:
    ///   - clientID: who sent it (routing identity or authenticated name), if known.
    ///   - client: where its answer goes: the routing identity's bytes and delimiters, kept so
    ///     that a recovered request is answered to that identity after a restart.
    ///   - fingerprint: the client's content digest, to recognise resubmissions later.
    ///   - at: when it was accepted (scheduler clock).
    public func journalAccepted(
        _ request: Request, clientID: String?, client: ClientEnvelope? = nil, fingerprint: UInt64? = nil,
        prediction: LengthPrediction, at: Seconds
    ) throws(StorageError) {
        try wrap { () throws(SQLiteError) in
            try database.execute(
                """
                INSERT INTO requests (
                    id, client_id, fingerprint, application, instruction, input, input_tokens, max_new_tokens,
                    reference_tokens, arrival, deadline, accepted_at, accepted_run, predicted_tokens, predicted_upper, status,
                    client_routing, client_delimiters)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    client_id = excluded.client_id, fingerprint = excluded.fingerprint,
                    client_routing = excluded.client_routing, client_delimiters = excluded.client_delimiters,
                    application = excluded.application, instruction = excluded.instruction, input = excluded.input,
                    input_tokens = excluded.input_tokens, max_new_tokens = excluded.max_new_tokens,
                    reference_tokens = excluded.reference_tokens, arrival = excluded.arrival,
                    deadline = excluded.deadline, accepted_at = excluded.accepted_at,
                    accepted_run = excluded.accepted_run, predicted_tokens = excluded.predicted_tokens,
                    predicted_upper = excluded.predicted_upper, status = 'queued', run = NULL, batch_id = NULL,
                    worker = NULL, dispatched_at = NULL, finished_at = NULL, finish_position = NULL,
                    actual_tokens = NULL, input_tokens_seen = NULL, output_text = NULL, error_code = NULL,
                    error_message = NULL
                """,
                [
                    .text(request.id.rawValue), SQLiteValue(clientID), SQLiteValue(fingerprint),
                    .text(request.application),
                    .text(request.instruction), .text(request.input), SQLiteValue(request.inputTokens),
                    SQLiteValue(request.maxNewTokens), SQLiteValue(request.referenceOutputTokens),
                    stored(request.arrival),
                    stored(request.deadline), stored(at), SQLiteValue(run), SQLiteValue(prediction.expected),
                    SQLiteValue(prediction.upper), SQLiteValue(client?.client.bytes), SQLiteValue(client?.delimiters),
                ])
        }
    }

    // MARK: - Progress

    /// Records a dispatch: the batch's row (features, estimate, worker) and every member as
    /// running on it.
    /// - Complexity: O(β) statements, in one transaction.
    public func markDispatched(_ batch: DispatchedBatch, at: Seconds) throws(StorageError) {
        try transaction { () throws(SQLiteError) in
            try database.execute(
                """
                INSERT INTO batches (
                    run, id, size, max_input, predicted_max_generation, estimated_time, worker, attempts, created_at,
                    dispatched_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run, id) DO UPDATE SET
                    size = excluded.size, max_input = excluded.max_input,
                    predicted_max_generation = excluded.predicted_max_generation,
                    estimated_time = excluded.estimated_time, worker = excluded.worker, attempts = excluded.attempts,
                    dispatched_at = excluded.dispatched_at
                """,
                [
                    SQLiteValue(run), SQLiteValue(batch.id.rawValue), SQLiteValue(batch.features.batchSize),
                    SQLiteValue(batch.features.maxInput), SQLiteValue(batch.features.maxGeneration),
                    .real(batch.estimatedTime), .text(batch.worker.rawValue), SQLiteValue(batch.attempts), stored(at),
                    stored(at),
                ])
            let member = try database.cachedStatement(
                """
                UPDATE requests SET status = 'running', run = ?, batch_id = ?, worker = ?, dispatched_at = ?
                WHERE id = ? AND status IN ('queued', 'running')
                """)
            for request in batch.requests {
                try member.execute([
                    SQLiteValue(run), SQLiteValue(batch.id.rawValue), .text(batch.worker.rawValue), stored(at),
                    .text(request.id.rawValue),
                ])
            }
        }
    }

    /// Records a result: the request is done, with its output, actual length and times.
    /// - Returns: false when the id was not journalled or already finished.
    @discardableResult
    public func markFinished(_ completed: CompletedRequest) throws(StorageError) -> Bool {
        try transaction { () throws(SQLiteError) -> Bool in
            let position = try nextFinishPosition()
            try database.execute(
                """
                UPDATE requests SET
                    status = 'done', run = ?, batch_id = ?, worker = ?, dispatched_at = ?, finished_at = ?,
                    finish_position = ?, actual_tokens = ?, input_tokens_seen = ?, output_text = ?,
                    error_code = NULL, error_message = NULL
                WHERE id = ? AND status IN ('queued', 'running')
                """,
                [
                    SQLiteValue(run), SQLiteValue(completed.batchID.rawValue), .text(completed.worker.rawValue),
                    stored(completed.dispatchedAt), stored(completed.finishedAt), .integer(position),
                    SQLiteValue(completed.output.generatedTokens), SQLiteValue(completed.output.inputTokensSeen),
                    .text(completed.output.text), .text(completed.request.id.rawValue),
                ])
            return database.changes > 0
        }
    }

    /// Records a final failure (OOM alone in a batch, too many engine faults, deadline...).
    /// - Returns: false when the id was not journalled or already finished.
    @discardableResult
    public func markFailed(_ id: RequestID, error: MagnusError, at: Seconds) throws(StorageError) -> Bool {
        try finish(id, status: .failed, error: error, at: at)
    }

    /// Puts a running request back to queued: it reached its batch's generation cap and waits
    /// to continue (bounded decoding). A restart resubmits it from the start.
    public func markContinued(_ id: RequestID) throws(StorageError) {
        try wrap { () throws(SQLiteError) in
            try database.execute(
                "UPDATE requests SET status = 'queued', batch_id = NULL, worker = NULL WHERE id = ? AND status = 'running'",
                [.text(id.rawValue)])
        }
    }

    /// Records a cancellation of a queued request.
    /// - Returns: false when the id was not journalled or already finished.
    @discardableResult
    public func markCancelled(_ id: RequestID, at: Seconds) throws(StorageError) -> Bool {
        try finish(id, status: .cancelled, error: MagnusError(.cancelled, "the client cancelled the request"), at: at)
    }

    private func finish(_ id: RequestID, status: RequestStatus, error: MagnusError, at: Seconds) throws(StorageError)
        -> Bool
    {
        try wrap { () throws(SQLiteError) -> Bool in
            try database.execute(
                """
                UPDATE requests SET status = ?, finished_at = ?, error_code = ?, error_message = ?
                WHERE id = ? AND status IN ('queued', 'running')
                """,
                [
                    .text(status.rawValue), stored(at), .text(error.code.rawValue), .text(error.message),
                    .text(id.rawValue),
                ])
            return database.changes > 0
        }
    }

    // MARK: - Recovery and idempotency

    /// Requests journalled but not finished, oldest arrival first: after a restart, submit
    /// them to the scheduler again. Arrivals and deadlines are on this run's clock, so time
    /// spent before the restart still counts as waiting.
    /// - Complexity: O(unfinished) through a partial index.
    public func unfinishedRequests() throws(StorageError) -> [Request] {
        try wrap { () throws(SQLiteError) in
            try database.cachedStatement(
                "SELECT \(Self.requestColumns) FROM requests WHERE status IN ('queued', 'running') ORDER BY arrival, id"
            ).query { readRequest($0) }
        }
    }

    /// `unfinishedRequests()` with where each one's answer went: the submitting client's
    /// routing identity (nil for rows journalled before schema version 3, or without one).
    /// - Complexity: O(unfinished) through a partial index.
    public func unfinishedJournalled() throws(StorageError) -> [RecoveredRequest] {
        try wrap { () throws(SQLiteError) in
            try database.cachedStatement(
                """
                SELECT \(Self.requestColumns), client_routing, client_delimiters FROM requests
                WHERE status IN ('queued', 'running') ORDER BY arrival, id
                """
            ).query { row in
                let routing = row.isNull(9) ? [] : row.blob(9)
                let envelope =
                    routing.isEmpty
                    ? nil : ClientEnvelope(client: RoutingID(routing), delimiters: max(0, row.optionalInt(10) ?? 0))
                return RecoveredRequest(request: readRequest(row), envelope: envelope)
            }
        }
    }

    /// Everything journalled about one request, or nil when the id is unknown.
    public func journalEntry(_ id: RequestID) throws(StorageError) -> JournalEntry? {
        let row = try wrap { () throws(SQLiteError) in
            try database.cachedStatement(
                """
                SELECT \(Self.requestColumns), client_id, fingerprint, predicted_tokens, predicted_upper, status, accepted_at
                FROM requests WHERE id = ?
                """
            ).queryFirst([.text(id.rawValue)]) { row in
                (
                    readRequest(row), row.optionalText(9), row.optionalInt(10).map { UInt64(bitPattern: Int64($0)) },
                    LengthPrediction(expected: row.int(11), upper: row.int(12)), row.text(13), local(row.double(14))
                )
            }
        }
        guard let row else { return nil }
        guard let status = RequestStatus(rawValue: row.4) else {
            throw .corruptRow(table: "requests", key: id.rawValue, reason: "unknown status '\(row.4)'")
        }
        return JournalEntry(
            request: row.0, clientID: row.1, fingerprint: row.2, prediction: row.3, status: status, acceptedAt: row.5)
    }

    /// The stored final answer of a finished (done, failed or cancelled) request, or nil
    /// when the id is unknown, still unfinished, or pruned.
    public func finishedResult(_ id: RequestID) throws(StorageError) -> StoredResult? {
        let row = try wrap { () throws(SQLiteError) in
            try database.cachedStatement(
                """
                SELECT status, output_text, actual_tokens, input_tokens_seen, error_code, error_message,
                    predicted_tokens, predicted_upper, fingerprint, worker, arrival, dispatched_at, finished_at
                FROM requests WHERE id = ? AND status IN ('done', 'failed', 'cancelled')
                """
            ).queryFirst([.text(id.rawValue)]) { row in
                (
                    status: row.text(0), text: row.optionalText(1), tokens: row.optionalInt(2),
                    seen: row.optionalInt(3),
                    code: row.optionalText(4), message: row.text(5),
                    prediction: LengthPrediction(expected: row.int(6), upper: row.int(7)),
                    fingerprint: row.optionalInt(8).map { UInt64(bitPattern: Int64($0)) },
                    worker: row.optionalText(9).map(WorkerID.init), arrival: local(row.double(10)),
                    dispatchedAt: row.optionalDouble(11).map(local), finishedAt: local(row.double(12))
                )
            }
        }
        guard let row else { return nil }
        guard let status = RequestStatus(rawValue: row.status) else {
            throw .corruptRow(table: "requests", key: id.rawValue, reason: "unknown status '\(row.status)'")
        }
        let output =
            status == .done
            ? RequestOutput(id: id, text: row.text ?? "", generatedTokens: row.tokens ?? 0, inputTokensSeen: row.seen)
            : nil
        let error = row.code.map { MagnusError(ErrorCode($0), row.message) }
        return StoredResult(
            id: id, status: status, output: output, error: error, prediction: row.prediction,
            fingerprint: row.fingerprint,
            worker: row.worker, arrival: row.arrival, dispatchedAt: row.dispatchedAt, finishedAt: row.finishedAt)
    }

    // MARK: - Counters

    /// The next position in the log's finish order; never reused, even after pruning.
    func nextFinishPosition() throws(SQLiteError) -> Int64 {
        let value = try database.cachedStatement(
            "UPDATE log_counters SET value = value + 1 WHERE name = 'finish_position' RETURNING value"
        ).queryFirst { $0.int64(0) }
        guard let value else {
            throw SQLiteError(extendedCode: SQLITE_CORRUPT, message: "the finish_position counter is missing")
        }
        return value
    }
}
