import Coordinator
import Shared

extension LogStore {
    /// The newest `limit` finished requests (done, failed or cancelled) by finish time,
    /// returned oldest first: what a restarted coordinator loads to answer resubmitted ids
    /// from memory as before the restart.
    /// - Complexity: O(limit) through the finish-time index.
    public func recentFinished(limit: Int) throws(StorageError) -> [FinishedRequest] {
        let rows = try wrap { () throws(SQLiteError) in
            try database.cachedStatement(
                """
                SELECT * FROM (
                    SELECT \(Self.requestColumns), status, output_text, actual_tokens, input_tokens_seen, error_code,
                        error_message, predicted_tokens, predicted_upper, worker, run, batch_id, dispatched_at,
                        finished_at
                    FROM requests WHERE status IN ('done', 'failed', 'cancelled')
                    ORDER BY finished_at DESC, rowid DESC LIMIT ?)
                ORDER BY finished_at, rowid
                """
            ).query([SQLiteValue(max(0, limit))]) { row in
                (
                    request: readRequest(row), status: row.text(9), text: row.optionalText(10),
                    tokens: row.optionalInt(11), seen: row.optionalInt(12), code: row.optionalText(13),
                    message: row.optionalText(14) ?? "",
                    prediction: LengthPrediction(expected: row.int(15), upper: row.int(16)),
                    worker: row.optionalText(17).map(WorkerID.init), run: row.optionalInt(18),
                    batch: row.optionalInt(19).map { BatchID(UInt64($0)) }, dispatchedAt: row.optionalDouble(20).map(local),
                    finishedAt: local(row.double(21))
                )
            }
        }
        var finished: [FinishedRequest] = []
        finished.reserveCapacity(rows.count)
        for row in rows {
            guard let status = RequestStatus(rawValue: row.status) else {
                throw .corruptRow(table: "requests", key: row.request.id.rawValue, reason: "unknown status '\(row.status)'")
            }
            let output =
                status == .done
                ? RequestOutput(
                    id: row.request.id, text: row.text ?? "", generatedTokens: row.tokens ?? 0, inputTokensSeen: row.seen)
                : nil
            finished.append(
                FinishedRequest(
                    request: row.request, status: status, output: output,
                    error: row.code.map { MagnusError(ErrorCode($0), row.message) }, prediction: row.prediction,
                    worker: row.worker, batchID: row.batch, run: row.run, dispatchedAt: row.dispatchedAt,
                    finishedAt: row.finishedAt))
        }
        return finished
    }
}
