import Shared

/// The settings the coordinator state machine works with: limits on what it accepts, the
/// heartbeat, status and drain timings, and whether it journals. The shell derives them from
/// its configuration (`CoordinatorConfiguration.runtimeSettings`); the simulator sets them
/// directly. Plain values: no file, endpoint or key.
public struct RuntimeSettings: Sendable, Hashable {
    /// `max_new_tokens` when a submit gives none.
    public var defaultMaxNewTokens = 512
    /// Largest `max_new_tokens` accepted.
    public var maxNewTokensLimit = 4096
    /// Queued requests beyond which submits are refused `overloaded`.
    public var maxQueuedRequests = 100_000
    /// Largest client payload accepted, in bytes.
    public var maxPayloadBytes = WireProtocol.defaultMaxPayloadBytes
    /// Largest instruction plus input accepted, in UTF-8 bytes (nil: only the payload limit).
    public var maxInputBytes: Int?
    /// Largest input accepted, in tokens (nil: only what fits the KV cache).
    public var maxInputTokens: Int?
    /// Pending requests one client connection may have (nil: no limit).
    public var maxInFlightPerClient: Int?
    /// Refuse a submit whose predicted completion is later than its deadline.
    public var refuseMissedDeadlines = true
    /// Finished answers kept for idempotent resubmission.
    public var finishedCapacity = 100_000
    /// How often workers must beat, seconds.
    public var heartbeatInterval: Double = 1
    /// Silence after which a worker is declared lost, seconds.
    public var heartbeatTimeout: Double = 5
    /// Seconds between status snapshots.
    public var statusInterval: Double = 1
    /// Seconds of history in the snapshot's throughput and latency.
    public var statusWindow: Double = 30
    /// Seconds a drain waits for running batches.
    public var drainTimeout: Double = 30
    /// A batch running longer than this many times its estimate (and longer than
    /// `batchTimeoutFloor`) is taken back from its worker and requeued as a fault.
    public var batchTimeoutFactor: Double = 10
    /// Seconds a batch may always run, whatever its estimate.
    public var batchTimeoutFloor: Double = 300
    /// Whether the runtime emits journal records (the shell has a log store).
    public var journaling = false
    /// The lowest level of log line the runtime builds (lines below it cost nothing).
    public var logLevel = LogLevel.info
    /// This coordinator start's incarnation id, carried in every reply to clients so that
    /// they notice a restart (docs/protocol.md). The shell draws it at random when it
    /// starts; the core only passes it on (nil: replies carry none).
    public var incarnation: String?

    public init() {}
}
