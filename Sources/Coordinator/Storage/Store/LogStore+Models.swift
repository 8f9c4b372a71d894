import Coordinator
import Shared

extension LogStore {
    static let modelColumns = """
        kind, version, trained_at, source, training_rows, added_rows, holdout_rows, validation_error, baseline_error,
        status, active, data_through, format, length(model)
        """

    func readModelRecord(_ row: SQLiteStatement) throws(StorageError) -> ModelRecord {
        let key = "\(row.text(0)) v\(row.int(1))"
        guard let kind = ModelKind(rawValue: row.text(0)) else {
            throw .corruptRow(table: "models", key: key, reason: "unknown kind")
        }
        guard let status = ModelDecision(rawValue: row.text(9)) else {
            throw .corruptRow(table: "models", key: key, reason: "unknown status '\(row.text(9))'")
        }
        return ModelRecord(
            kind: kind, version: row.int(1), trainedAt: local(row.double(2)), source: row.text(3),
            trainingRows: row.int(4), addedRows: row.int(5), holdoutRows: row.int(6),
            validationError: row.optionalDouble(7), baselineError: row.optionalDouble(8), status: status,
            isActive: row.int(10) != 0, dataThrough: row.isNull(11) ? nil : row.int64(11), format: row.int(12),
            byteCount: row.int(13))
    }

    // MARK: - Saving

    /// Stores a retrained predictor candidate as the next version. Accepted: it becomes the
    /// active predictor and its added examples join the stored training set (trimmed to the
    /// candidate's set size, oldest first). Rejected: it is kept for the record and nothing
    /// else changes — the old predictor stays active (rollback).
    /// - Returns: the new version's record, for the status stream.
    @discardableResult
    public func save(_ candidate: RetrainingCandidate<PredictorModel, LengthExample>, at: Seconds) throws(StorageError)
        -> ModelRecord
    {
        try write { () throws(StorageError) in
            let record = try insertModel(
                kind: .predictor, bytes: ModelCodec.encode(candidate.model), source: "retraining", trainedAt: at,
                trainingRows: candidate.trainingSet.count, addedRows: candidate.added.count,
                holdoutRows: candidate.holdoutRows, validationError: candidate.candidateError,
                baselineError: candidate.currentError, status: candidate.decision, dataThrough: candidate.dataThrough)
            if candidate.decision == .accepted {
                try appendExamples(candidate.added, version: record.version, keeping: candidate.trainingSet.count)
            }
            return record
        }
    }

    /// Stores a retrained estimator candidate as the next version; accepted ones become
    /// active, rejected ones are kept for the record (the old estimator stays active).
    @discardableResult
    public func save(_ candidate: RetrainingCandidate<EstimatorModel, BatchTimeSample>, at: Seconds)
        throws(StorageError)
        -> ModelRecord
    {
        try insertModel(
            kind: .estimator, bytes: ModelCodec.encode(candidate.model), source: "retraining", trainedAt: at,
            trainingRows: candidate.trainingSet.count, addedRows: candidate.added.count,
            holdoutRows: candidate.holdoutRows,
            validationError: candidate.candidateError, baselineError: candidate.currentError,
            status: candidate.decision,
            dataThrough: candidate.dataThrough)
    }

    /// Stores a bootstrapped predictor (trained from a file or the log) as the next active
    /// version and replaces the stored training set with its own. Does nothing for a stored
    /// model or the prior.
    /// - Returns: the new record, or nil when nothing was stored.
    @discardableResult
    public func save(_ bootstrapped: BootstrappedModel<PredictorModel, LengthExample>, at: Seconds) throws(StorageError)
        -> ModelRecord?
    {
        guard let model = bootstrapped.model, let examples = bootstrapped.newTrainingSet else { return nil }
        return try write { () throws(StorageError) in
            let record = try insertModel(
                kind: .predictor, bytes: ModelCodec.encode(model), source: bootstrapped.source.rawValue, trainedAt: at,
                trainingRows: examples.count, addedRows: examples.count, holdoutRows: 0, validationError: nil,
                baselineError: nil, status: .accepted, dataThrough: bootstrapped.dataThrough)
            try wrap { () throws(SQLiteError) in try database.execute("DELETE FROM predictor_examples", []) }
            try appendExamples(examples, version: record.version, keeping: examples.count)
            return record
        }
    }

    /// Stores a bootstrapped estimator trained from the log as the next active version.
    /// Does nothing for a stored model or the prior.
    @discardableResult
    public func save(_ bootstrapped: BootstrappedModel<EstimatorModel, BatchTimeSample>, at: Seconds)
        throws(StorageError)
        -> ModelRecord?
    {
        guard let model = bootstrapped.model, let samples = bootstrapped.newTrainingSet else { return nil }
        return try insertModel(
            kind: .estimator, bytes: ModelCodec.encode(model), source: bootstrapped.source.rawValue, trainedAt: at,
            trainingRows: samples.count, addedRows: samples.count, holdoutRows: 0, validationError: nil,
            baselineError: nil, status: .accepted, dataThrough: bootstrapped.dataThrough)
    }

    private func insertModel(
        kind: ModelKind, bytes: [UInt8], source: String, trainedAt: Seconds, trainingRows: Int, addedRows: Int,
        holdoutRows: Int, validationError: Double?, baselineError: Double?, status: ModelDecision, dataThrough: Int64?
    ) throws(StorageError) -> ModelRecord {
        let version = try transaction { () throws(SQLiteError) -> Int in
            let version =
                (try database.scalarInt("SELECT max(version) FROM models WHERE kind = ?", [.text(kind.rawValue)]) ?? 0)
                + 1
            if status == .accepted {
                try database.execute(
                    "UPDATE models SET active = 0 WHERE kind = ? AND active = 1", [.text(kind.rawValue)])
            }
            try database.execute(
                """
                INSERT INTO models (
                    kind, version, trained_at, source, training_rows, added_rows, holdout_rows, validation_error,
                    baseline_error, status, active, data_through, format, model)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(kind.rawValue), SQLiteValue(version), stored(trainedAt), .text(source),
                    SQLiteValue(trainingRows),
                    SQLiteValue(addedRows), SQLiteValue(holdoutRows), SQLiteValue(validationError),
                    SQLiteValue(baselineError), .text(status.rawValue), SQLiteValue(status == .accepted),
                    SQLiteValue(dataThrough), SQLiteValue(Int(ModelCodec.formatVersion)), .blob(bytes),
                ])
            return version
        }
        guard let record = try modelRecord(kind, version: version) else {
            throw .unknownModel(kind: kind, version: version)
        }
        return record
    }

    private func appendExamples(_ examples: [LengthExample], version: Int, keeping count: Int) throws(StorageError) {
        try transaction { () throws(SQLiteError) in
            let insert = try database.cachedStatement(
                """
                INSERT INTO predictor_examples (
                    added_in_version, application, instruction, input, input_tokens, generated_tokens)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            for example in examples {
                try insert.execute([
                    SQLiteValue(version), .text(example.application), .text(example.instruction), .text(example.input),
                    SQLiteValue(example.inputTokens), SQLiteValue(example.generatedTokens),
                ])
            }
            try database.execute(
                """
                DELETE FROM predictor_examples WHERE position NOT IN (
                    SELECT position FROM predictor_examples ORDER BY position DESC LIMIT ?)
                """, [SQLiteValue(max(0, count))])
        }
    }

    // MARK: - Loading

    /// The metadata of one version, or nil.
    public func modelRecord(_ kind: ModelKind, version: Int) throws(StorageError) -> ModelRecord? {
        return try records(where: "kind = ? AND version = ?", [.text(kind.rawValue), SQLiteValue(version)]).first
    }

    /// The active version's metadata (the newest accepted unless an operator activated
    /// another), or nil when the kind has none.
    public func activeRecord(_ kind: ModelKind) throws(StorageError) -> ModelRecord? {
        try records(where: "kind = ? AND active = 1", [.text(kind.rawValue)]).first
    }

    /// Every version of a kind, oldest first.
    public func modelHistory(_ kind: ModelKind) throws(StorageError) -> [ModelRecord] {
        try records(where: "kind = ?", [.text(kind.rawValue)])
    }

    private func records(where condition: String, _ values: [SQLiteValue]) throws(StorageError) -> [ModelRecord] {
        let statement = try wrap { () throws(SQLiteError) in
            try database.cachedStatement("SELECT \(Self.modelColumns) FROM models WHERE \(condition) ORDER BY version")
        }
        statement.reset()
        defer { statement.reset() }
        try wrap { () throws(SQLiteError) in try statement.bind(values) }
        var records: [ModelRecord] = []
        while try wrap({ () throws(SQLiteError) in try statement.step() }) {
            records.append(try readModelRecord(statement))
        }
        return records
    }

    /// Loads and decodes one version.
    public func loadModel(_ kind: ModelKind, version: Int) throws(StorageError) -> StoredModel {
        guard let record = try modelRecord(kind, version: version) else {
            throw .unknownModel(kind: kind, version: version)
        }
        let bytes = try wrap { () throws(SQLiteError) in
            try database.cachedStatement("SELECT model FROM models WHERE kind = ? AND version = ?")
                .queryFirst([.text(kind.rawValue), SQLiteValue(version)]) { $0.blob(0) } ?? []
        }
        do {
            switch kind {
            case .predictor:
                return StoredModel(record: record, payload: .predictor(try ModelCodec.decodePredictor(bytes)))
            case .estimator:
                return StoredModel(record: record, payload: .estimator(try ModelCodec.decodeEstimator(bytes)))
            }
        } catch {
            throw .corruptModel(kind: kind, version: version, error)
        }
    }

    /// Loads the active version of a kind, so a restart serves the model it had instead of
    /// retraining from zero; nil when none was ever accepted.
    public func activeModel(_ kind: ModelKind) throws(StorageError) -> StoredModel? {
        guard let record = try activeRecord(kind) else { return nil }
        return try loadModel(kind, version: record.version)
    }

    /// The active predictor, decoded.
    public func activePredictor() throws(StorageError) -> (record: ModelRecord, model: PredictorModel)? {
        guard let stored = try activeModel(.predictor), let model = stored.predictor else { return nil }
        return (stored.record, model)
    }

    /// The active estimator, decoded.
    public func activeEstimator() throws(StorageError) -> (record: ModelRecord, model: EstimatorModel)? {
        guard let stored = try activeModel(.estimator), let model = stored.estimator else { return nil }
        return (stored.record, model)
    }

    /// Makes an accepted version the active one (a manual rollback or roll-forward).
    /// The predictor's stored training set is not changed.
    public func activate(_ kind: ModelKind, version: Int) throws(StorageError) {
        try write { () throws(StorageError) in
            guard let record = try modelRecord(kind, version: version) else {
                throw .unknownModel(kind: kind, version: version)
            }
            guard record.status == .accepted else { throw .modelNotAccepted(kind: kind, version: version) }
            try wrap { () throws(SQLiteError) in
                try database.execute(
                    "UPDATE models SET active = 0 WHERE kind = ? AND active = 1", [.text(kind.rawValue)])
                try database.execute(
                    "UPDATE models SET active = 1 WHERE kind = ? AND version = ?",
                    [.text(kind.rawValue), SQLiteValue(version)])
            }
        }
    }
}
