import Coordinator
import ServiceSupport
import Shared
import Storage

/// The coordinator's durability and learning settings: the log store (journal, batch log,
/// models), its retention, and the retraining loops. Part of `CoordinatorConfiguration`
/// (`storage`), read from the same flat `snake_case` config keys and flags; its options are
/// declared in `schema` (StorageConfiguration+Options.swift).
///
/// Without `logPath` nothing is journalled (a crash loses queued work), finished answers
/// live only in memory, and the models never retrain.
public struct StorageConfiguration: Sendable, Hashable {
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

    /// Whether the retraining loops run: asked for, and there is a log to learn from.
    public var retrainingEnabled: Bool { retraining && logPath != nil }

    /// Rejects values that cannot work: each option's checks, then the rules that relate
    /// options.
    public func validate() throws(UsageError) {
        try Self.schema.validate(self, context: "coordinator configuration")
        guard retrainingPolicy.recentRowLimit > retrainingPolicy.minimumHoldoutRows else {
            throw UsageError("coordinator configuration: retrain_window_rows must exceed min_holdout_rows")
        }
    }
}
