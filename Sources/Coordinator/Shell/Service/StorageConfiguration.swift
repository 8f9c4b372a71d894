import Coordinator
import ServiceSupport
import Shared
import Storage

/// The coordinator's durability and learning settings: the log store (journal, batch log,
/// models), its retention, and the retraining loops. Part of `CoordinatorConfiguration`
/// (`storage`), read from the same flat `snake_case` config keys and flags.
///
/// Without `logPath` nothing is journalled (a crash loses queued work), finished answers
/// live only in memory, and the models never retrain.
public struct StorageConfiguration: Sendable, Hashable, Codable {
    /// The SQLite file of the log store; nil = no journal.
    public var logPath: String?
    /// `full` (an acknowledged request survives power loss) or `normal` (a process crash only).
    public var logSync = SQLiteSynchronous.full
    /// Finished requests and ended batches kept per table; 0 = no count limit.
    public var retainRows = 1_000_000
    /// Age in seconds beyond which finished rows are pruned; 0 = no age limit.
    public var retainSeconds: Double = 7 * 86_400
    /// Seconds between retention passes (the first runs at start).
    public var pruneInterval: Double = 3_600
    /// Model versions kept per kind besides the active one.
    public var retainModels = 20
    /// Run the retraining loops (they need `logPath`).
    public var retraining = true
    /// Intervals, thresholds and validation of the retraining loops.
    public var retrainingPolicy = RetrainingPolicy()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case logPath = "log_path"
        case logSync = "log_sync"
        case retainRows = "retain_rows"
        case retainSeconds = "retain_seconds"
        case pruneInterval = "prune_interval_s"
        case retainModels = "retain_models"
        case retraining
        case predictorInterval = "predictor_retrain_interval_s"
        case estimatorInterval = "estimator_retrain_interval_s"
        case predictorErrorTokens = "predictor_error_tokens"
        case predictorErrorFraction = "predictor_error_fraction"
        case estimatorErrorSeconds = "estimator_error_s"
        case estimatorErrorFraction = "estimator_error_fraction"
        case holdoutFraction = "holdout_fraction"
        case minimumHoldoutRows = "min_holdout_rows"
        case retrainWindowRows = "retrain_window_rows"
        case acceptanceTolerance = "acceptance_tolerance"
    }

    /// Reads the keys that are present from the config file's top-level object.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let decoded = try c.decodeIfPresent(T.self, forKey: key) { value = decoded }
        }
        logPath = try c.decodeIfPresent(String.self, forKey: .logPath)
        try read(.logSync, &logSync)
        try read(.retainRows, &retainRows)
        try read(.retainSeconds, &retainSeconds)
        try read(.pruneInterval, &pruneInterval)
        try read(.retainModels, &retainModels)
        try read(.retraining, &retraining)
        try read(.predictorInterval, &retrainingPolicy.predictorInterval)
        try read(.estimatorInterval, &retrainingPolicy.estimatorInterval)
        try read(.predictorErrorTokens, &retrainingPolicy.predictorErrorTokens)
        try read(.predictorErrorFraction, &retrainingPolicy.predictorRelativeError)
        try read(.estimatorErrorSeconds, &retrainingPolicy.estimatorErrorSeconds)
        try read(.estimatorErrorFraction, &retrainingPolicy.estimatorRelativeError)
        try read(.holdoutFraction, &retrainingPolicy.holdoutFraction)
        try read(.minimumHoldoutRows, &retrainingPolicy.minimumHoldoutRows)
        try read(.retrainWindowRows, &retrainingPolicy.recentRowLimit)
        try read(.acceptanceTolerance, &retrainingPolicy.acceptanceTolerance)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(logPath, forKey: .logPath)
        try c.encode(logSync, forKey: .logSync)
        try c.encode(retainRows, forKey: .retainRows)
        try c.encode(retainSeconds, forKey: .retainSeconds)
        try c.encode(pruneInterval, forKey: .pruneInterval)
        try c.encode(retainModels, forKey: .retainModels)
        try c.encode(retraining, forKey: .retraining)
        try c.encode(retrainingPolicy.predictorInterval, forKey: .predictorInterval)
        try c.encode(retrainingPolicy.estimatorInterval, forKey: .estimatorInterval)
        try c.encode(retrainingPolicy.predictorErrorTokens, forKey: .predictorErrorTokens)
        try c.encode(retrainingPolicy.predictorRelativeError, forKey: .predictorErrorFraction)
        try c.encode(retrainingPolicy.estimatorErrorSeconds, forKey: .estimatorErrorSeconds)
        try c.encode(retrainingPolicy.estimatorRelativeError, forKey: .estimatorErrorFraction)
        try c.encode(retrainingPolicy.holdoutFraction, forKey: .holdoutFraction)
        try c.encode(retrainingPolicy.minimumHoldoutRows, forKey: .minimumHoldoutRows)
        try c.encode(retrainingPolicy.recentRowLimit, forKey: .retrainWindowRows)
        try c.encode(retrainingPolicy.acceptanceTolerance, forKey: .acceptanceTolerance)
    }

    /// Whether the retraining loops run: asked for, and there is a log to learn from.
    public var retrainingEnabled: Bool { retraining && logPath != nil }

    /// Rejects values that cannot work.
    public func validate() throws(UsageError) {
        func check(_ condition: Bool, _ message: String) throws(UsageError) {
            if !condition { throw UsageError("coordinator configuration: \(message)") }
        }
        try check(logPath.map { !$0.isEmpty } ?? true, "log_path cannot be empty")
        try check(retainRows >= 0, "retain_rows cannot be negative (0 = no count limit)")
        try check(retainSeconds >= 0, "retain_seconds cannot be negative (0 = no age limit)")
        try check(pruneInterval > 0, "prune_interval_s must be positive")
        try check(retainModels >= 0, "retain_models cannot be negative")
        let policy = retrainingPolicy
        try check(policy.predictorInterval > 0, "predictor_retrain_interval_s must be positive")
        try check(policy.estimatorInterval > 0, "estimator_retrain_interval_s must be positive")
        try check(policy.predictorErrorTokens >= 0, "predictor_error_tokens cannot be negative")
        try check(policy.predictorRelativeError >= 0, "predictor_error_fraction cannot be negative")
        try check(policy.estimatorErrorSeconds >= 0, "estimator_error_s cannot be negative")
        try check(policy.estimatorRelativeError >= 0, "estimator_error_fraction cannot be negative")
        try check((0..<1).contains(policy.holdoutFraction), "holdout_fraction must be in [0, 1)")
        try check(policy.minimumHoldoutRows >= 1, "min_holdout_rows must be at least 1")
        try check(policy.recentRowLimit > policy.minimumHoldoutRows, "retrain_window_rows must exceed min_holdout_rows")
        try check(policy.acceptanceTolerance >= 0, "acceptance_tolerance cannot be negative")
    }
}
