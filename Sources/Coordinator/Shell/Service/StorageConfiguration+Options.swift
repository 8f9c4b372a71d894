import Coordinator
import ServiceSupport
import Shared
import Storage

extension StorageConfiguration {
    /// The options of the log store, retention and retraining; `CoordinatorConfiguration`
    /// lifts them into its flat set of keys and flags.
    public static let schema = ConfigSchema(storeOptions + retrainingOptions)

    private typealias Option = ConfigOption<StorageConfiguration>

    private static let storeOptions: [Option] = [
        Option(
            "log_path", \.logPath, "FILE",
            help: "SQLite log store: durable accepts, recovery after a crash, stored answers, models and retraining.",
            defaultNote: "none = in memory only, no retraining", check: [.nonEmpty]),
        Option(
            "log_sync", \.logSync,
            help: "full (acknowledged requests survive power loss) or normal (a process crash only)."),
        Option(
            "retain_rows", \.retainRows, help: "Finished requests and batches kept per table; 0 = no count limit.",
            check: [.nonNegative]),
        Option(
            "retain_seconds", \.retainSeconds, "SECONDS", help: "Age beyond which finished rows are pruned; 0 = no age limit.",
            check: [.nonNegative]),
        Option(
            "prune_interval_s", \.pruneInterval, "SECONDS", help: "Seconds between retention passes (the first runs at start).",
            check: [.positive]),
        Option(
            "retain_models", \.retainModels, help: "Model versions kept per kind besides the active one.", check: [.nonNegative]),
        Option("retraining", \.retraining, help: "Run the retraining loops (they need --log-path)."),
    ]

    private static let retrainingOptions: [Option] = [
        Option(
            "predictor_retrain_interval_s", \.retrainingPolicy.predictorInterval, "SECONDS",
            help: "Seconds between predictor retraining runs.", aliases: ["predictor-interval"], check: [.positive]),
        Option(
            "estimator_retrain_interval_s", \.retrainingPolicy.estimatorInterval, "SECONDS",
            help: "Seconds between estimator retraining runs.", aliases: ["estimator-interval"], check: [.positive]),
        Option(
            "predictor_error_tokens", \.retrainingPolicy.predictorErrorTokens,
            help: "A request is learned from when |G'-G| exceeds N tokens and --predictor-error-fraction of G.",
            check: [.nonNegative]),
        Option(
            "predictor_error_fraction", \.retrainingPolicy.predictorRelativeError, "F",
            help: "...and this fraction of G.", check: [.nonNegative]),
        Option(
            "estimator_error_s", \.retrainingPolicy.estimatorErrorSeconds, "SECONDS",
            help: "A batch is learned from when |T'-T| exceeds this many seconds and --estimator-error-fraction of T.",
            aliases: ["estimator-error-seconds"], check: [.nonNegative]),
        Option(
            "estimator_error_fraction", \.retrainingPolicy.estimatorRelativeError, "F", help: "...and this fraction of T.",
            check: [.nonNegative]),
        Option(
            "holdout_fraction", \.retrainingPolicy.holdoutFraction, "F",
            help: "Newest share of a retraining window held out for validation.", check: [.within(0.0..<1.0)]),
        Option(
            "min_holdout_rows", \.retrainingPolicy.minimumHoldoutRows, help: "Fewest held-out rows a retraining run needs.",
            check: [.atLeast(1)]),
        Option(
            "retrain_window_rows", \.retrainingPolicy.recentRowLimit,
            help: "Newest logged rows one retraining run reads (more than --min-holdout-rows).", aliases: ["retrain-window"],
            check: [.atLeast(2)]),
        Option(
            "acceptance_tolerance", \.retrainingPolicy.acceptanceTolerance, "F",
            help: "Accept a candidate model whose held-out error is at most the current one's × (1 + F).",
            check: [.nonNegative]),
    ]
}
