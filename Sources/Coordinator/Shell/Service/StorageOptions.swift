import Coordinator
import ServiceSupport
import Shared
import Storage

/// The `magnus-coordinator` flags of the log store, retention and retraining
/// (`StorageConfiguration`).
enum StorageOptions {
    static let defaults = StorageConfiguration()

    static let specs: [OptionSpec] = [
        .value("log-path", "FILE", "SQLite log store: durable accepts, recovery after a crash, stored answers, models and retraining (default: none = in memory only, no retraining)."),
        .value("log-sync", "MODE", "full (acknowledged requests survive power loss) or normal (a process crash only) (default: full)."),
        .value("retain-rows", "N", "Finished requests and batches kept per table; 0 = no count limit (default: \(defaults.retainRows))."),
        .value("retain-seconds", "SECONDS", "Age beyond which finished rows are pruned; 0 = no age limit (default: \(Int(defaults.retainSeconds)))."),
        .value("prune-interval", "SECONDS", "Seconds between retention passes (default: \(Int(defaults.pruneInterval)))."),
        .value("retain-models", "N", "Model versions kept per kind besides the active one (default: \(defaults.retainModels))."),
        .flag("no-retraining", "Keep the start-up models: do not run the retraining loops."),
        .value("predictor-interval", "SECONDS", "Seconds between predictor retraining runs (default: \(Int(defaults.retrainingPolicy.predictorInterval)))."),
        .value("estimator-interval", "SECONDS", "Seconds between estimator retraining runs (default: \(Int(defaults.retrainingPolicy.estimatorInterval)))."),
        .value("predictor-error-tokens", "N", "A request is learned from when |G'-G| exceeds N tokens... (default: \(defaults.retrainingPolicy.predictorErrorTokens))."),
        .value("predictor-error-fraction", "F", "...and F of G (default: \(defaults.retrainingPolicy.predictorRelativeError))."),
        .value("estimator-error-seconds", "S", "A batch is learned from when |T'-T| exceeds S seconds... (default: \(defaults.retrainingPolicy.estimatorErrorSeconds))."),
        .value("estimator-error-fraction", "F", "...and F of T (default: \(defaults.retrainingPolicy.estimatorRelativeError))."),
        .value("holdout-fraction", "F", "Newest share of a retraining window held out for validation (default: \(defaults.retrainingPolicy.holdoutFraction))."),
        .value("min-holdout-rows", "N", "Fewest held-out rows a retraining run needs (default: \(defaults.retrainingPolicy.minimumHoldoutRows))."),
        .value("retrain-window", "N", "Newest logged rows one retraining run reads (default: \(defaults.retrainingPolicy.recentRowLimit))."),
    ]

    /// Applies the flags that were given.
    static func apply(_ options: CommandOptions, to storage: inout StorageConfiguration) throws(UsageError) {
        if let value = options.string("log-path") { storage.logPath = value }
        if let value = options.string("log-sync") {
            guard let mode = SQLiteSynchronous(rawValue: value.lowercased()) else {
                throw UsageError("--log-sync must be full or normal, got '\(value)'")
            }
            storage.logSync = mode
        }
        if let value = try options.int("retain-rows") { storage.retainRows = value }
        if let value = try options.double("retain-seconds") { storage.retainSeconds = value }
        if let value = try options.double("prune-interval") { storage.pruneInterval = value }
        if let value = try options.int("retain-models") { storage.retainModels = value }
        if options.flag("no-retraining") { storage.retraining = false }
        if let value = try options.double("predictor-interval") { storage.retrainingPolicy.predictorInterval = value }
        if let value = try options.double("estimator-interval") { storage.retrainingPolicy.estimatorInterval = value }
        if let value = try options.int("predictor-error-tokens") { storage.retrainingPolicy.predictorErrorTokens = value }
        if let value = try options.double("predictor-error-fraction") { storage.retrainingPolicy.predictorRelativeError = value }
        if let value = try options.double("estimator-error-seconds") { storage.retrainingPolicy.estimatorErrorSeconds = value }
        if let value = try options.double("estimator-error-fraction") { storage.retrainingPolicy.estimatorRelativeError = value }
        if let value = try options.double("holdout-fraction") { storage.retrainingPolicy.holdoutFraction = value }
        if let value = try options.int("min-holdout-rows") { storage.retrainingPolicy.minimumHoldoutRows = value }
        if let value = try options.int("retrain-window") { storage.retrainingPolicy.recentRowLimit = value }
    }
}
