import Shared

/// Parameters of the scheduler.
public struct SchedulerConfiguration: Sendable, Hashable, Codable {
    public var policy: BatchingPolicy
    /// Φ chosen by the sweep in docs/benchmarks.md.
    public static let defaultWMAThreshold: Double = 25_000
    /// Φ: a request joins its min-WMA batch only when that WMA is below this (token reads).
    public var wmaThreshold: Double
    /// Θ / Δ of the memory the assembler plans batches for, in KV token slots.
    public var kvTokenCapacity: Int
    /// Check memory with the predicted upper bound instead of the point prediction.
    public var memoryCheckUsesUpperBound: Bool
    /// Dispatches that may come back without a result (worker lost, engine fault) before
    /// the batch is split, and, for a single request, failed.
    public var maxAttempts: Int
    /// Also check that a batch's prefill fits (beyond the paper, whose check covers the KV
    /// cache only); used with workers that announce their `PrefillMemory`, and with this
    /// model for batches being assembled.
    public var prefillMemory: PrefillMemory?
    /// Set for continuous workers: requests are queued and admitted one by one under this
    /// policy instead of being assembled into batches (`policy` is then unused).
    public var continuous: ContinuousPolicy?

    public init(
        policy: BatchingPolicy = .magnus, wmaThreshold: Double = SchedulerConfiguration.defaultWMAThreshold, kvTokenCapacity: Int,
        memoryCheckUsesUpperBound: Bool = false, maxAttempts: Int = 3, prefillMemory: PrefillMemory? = nil,
        continuous: ContinuousPolicy? = nil
    ) {
        self.continuous = continuous
        self.prefillMemory = prefillMemory
        self.policy = policy
        self.wmaThreshold = wmaThreshold
        self.kvTokenCapacity = kvTokenCapacity
        self.memoryCheckUsesUpperBound = memoryCheckUsesUpperBound
        self.maxAttempts = maxAttempts
    }

    /// Whether requests are predicted on submission.
    public var usesPredictions: Bool { continuous?.usesPredictions ?? policy.usesPredictions }
}
