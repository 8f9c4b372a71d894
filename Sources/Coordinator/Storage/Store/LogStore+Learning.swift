import Coordinator
import Shared

extension LogStore {
    /// Done requests with their logged prediction and actual length, for the predictor's
    /// retraining: the newest `limit` whose log position is after `after`, oldest first.
    /// - Complexity: O(limit) through the finish-order index.
    public func recentRequests(after: Int64?, limit: Int) throws(StorageError) -> [LoggedRequest] {
        try wrap { () throws(SQLiteError) in
            try database.cachedStatement(
                """
                SELECT * FROM (
                    SELECT \(Self.requestColumns), predicted_tokens, predicted_upper, actual_tokens, finished_at,
                        finish_position
                    FROM requests WHERE status = 'done' AND finish_position > ?
                    ORDER BY finish_position DESC LIMIT ?)
                ORDER BY finish_position
                """
            ).query([.integer(after ?? 0), SQLiteValue(max(0, limit))]) { row in
                LoggedRequest(
                    request: readRequest(row), prediction: LengthPrediction(expected: row.int(9), upper: row.int(10)),
                    generatedTokens: row.int(11), finishedAt: local(row.double(12)), logPosition: row.int64(13))
            }
        }
    }

    /// Done batches with their features, estimate and measured time, for the estimator's
    /// retraining: the newest `limit` after log position `after`, oldest first.
    /// - Complexity: O(limit) through the finish-order index.
    public func recentBatches(after: Int64?, limit: Int) throws(StorageError) -> [LoggedBatch] {
        try wrap { () throws(SQLiteError) in
            try database.cachedStatement(
                """
                SELECT * FROM (
                    SELECT size, max_input, predicted_max_generation, actual_max_generation, estimated_time, actual_time,
                        finished_at, finish_position
                    FROM batches WHERE outcome = 'done' AND finish_position > ?
                    ORDER BY finish_position DESC LIMIT ?)
                ORDER BY finish_position
                """
            ).query([.integer(after ?? 0), SQLiteValue(max(0, limit))]) { row in
                LoggedBatch(
                    features: BatchFeatures(batchSize: row.int(0), maxInput: row.int(1), maxGeneration: row.int(2)),
                    actualMaxGeneration: row.int(3), estimatedTime: row.double(4), actualTime: row.double(5),
                    finishedAt: local(row.double(6)), logPosition: row.int64(7))
            }
        }
    }

    /// The predictor's training set, oldest first: the examples of the newest accepted
    /// predictor (bootstrap rows plus every accepted retraining's additions, capped).
    /// - Complexity: O(examples).
    public func predictorTrainingSet() throws(StorageError) -> [LengthExample] {
        try wrap { () throws(SQLiteError) in
            try database.cachedStatement(
                """
                SELECT application, instruction, input, input_tokens, generated_tokens FROM predictor_examples
                ORDER BY position
                """
            ).query { row in
                LengthExample(
                    application: row.text(0), instruction: row.text(1), input: row.text(2), inputTokens: row.int(3),
                    generatedTokens: row.int(4))
            }
        }
    }

    /// What the predictor's next retraining run needs, read in one go on the store's owner:
    /// the active model's training set and the done requests logged after its data.
    public func predictorRetrainingInput(policy: RetrainingPolicy) throws(StorageError) -> (
        trainingSet: [LengthExample], recent: [LoggedRequest]
    ) {
        try read { () throws(StorageError) in
            let active = try activeRecord(.predictor)
            return (
                try predictorTrainingSet(),
                try recentRequests(after: active?.dataThrough, limit: policy.recentRowLimit)
            )
        }
    }

    /// What the estimator's next retraining run needs: the done batches logged after the
    /// active estimator's data (its samples are in the model itself).
    public func estimatorRetrainingInput(policy: RetrainingPolicy) throws(StorageError) -> [LoggedBatch] {
        try recentBatches(after: try activeRecord(.estimator)?.dataThrough, limit: policy.recentRowLimit)
    }
}
