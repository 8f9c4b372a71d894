import ServiceSupport
/// How much the retraining thread has worked: for benchmarks and diagnostics.
public struct RetrainingStatistics: Sendable, Hashable {
    /// Runs of either loop, skipped ones included.
    public var runs = 0
    /// Runs that trained a candidate (accepted or rejected).
    public var candidates = 0
    /// Wall-clock seconds spent in runs.
    public var seconds = 0.0
    /// Whether a run is in progress now.
    public var inProgress = false

    public init() {}
}
