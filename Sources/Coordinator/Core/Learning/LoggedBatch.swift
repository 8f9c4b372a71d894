import Shared

/// A finished batch as the estimator's retraining reads it from the log.
public struct LoggedBatch: Sendable, Hashable {
    /// (β, L(B), G'(B)) at dispatch: what the estimator saw.
    public var features: BatchFeatures
    /// G(B): the longest actual generation.
    public var actualMaxGeneration: Int
    /// T' the estimator gave at dispatch.
    public var estimatedTime: Seconds
    /// T: the time the worker reported.
    public var actualTime: Seconds
    public var finishedAt: Seconds
    /// Position in the log's finish order (increasing, never reused).
    public var logPosition: Int64

    public init(
        features: BatchFeatures, actualMaxGeneration: Int, estimatedTime: Seconds, actualTime: Seconds,
        finishedAt: Seconds,
        logPosition: Int64
    ) {
        self.features = features
        self.actualMaxGeneration = actualMaxGeneration
        self.estimatedTime = estimatedTime
        self.actualTime = actualTime
        self.finishedAt = finishedAt
        self.logPosition = logPosition
    }

    /// The training sample: the features the estimator is queried with (G' rather than G,
    /// so that it learns the time to expect given a prediction) and the measured time.
    public var sample: BatchTimeSample { BatchTimeSample(features: features, seconds: actualTime) }
}
