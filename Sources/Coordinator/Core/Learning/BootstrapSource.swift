/// Where a model in service at start-up came from, in the order they are preferred.
public enum BootstrapSource: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The active version persisted by an earlier run (no retraining from zero).
    case storedModel = "stored_model"
    /// Trained on a JSONL task file (the format of `shared/data`).
    case trainingFile = "training_file"
    /// Trained on requests or batches the log store already holds.
    case loggedData = "logged_data"
    /// No data at all: the documented analytic prior (`LengthRatioPredictor`,
    /// `AnalyticBatchTimeModel`) until the first retraining.
    case prior

    public var description: String { rawValue }
}
