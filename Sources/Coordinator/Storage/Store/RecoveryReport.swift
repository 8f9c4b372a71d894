/// What opening the store found from the previous run and repaired.
public struct RecoveryReport: Sendable, Hashable {
    /// This run's number (1 for a fresh file).
    public var run: Int
    /// Schema migrations applied at open.
    public var migrationsApplied: [Int]
    /// Requests journalled but not finished (queued or running): to be queued again.
    public var unfinishedRequests: Int
    /// Of those, requests that were on a worker when the previous run stopped.
    public var interruptedRequests: Int
    /// Batches the previous run left queued or running, now recorded as `lost`.
    public var lostBatches: Int
    /// Whether the previous run closed the store (nil: there was none, or it predates the
    /// record).
    public var previousRunStoppedCleanly: Bool? = nil
    /// The previous run stopped uncleanly (a crash, kill -9) and its write-ahead log was not
    /// there at this open: whatever it committed after its last checkpoint, acknowledged
    /// requests included, is lost. Someone removed the `-wal` file.
    public var writeAheadLogMissing = false
}
