import Shared

/// The continuous-learning rules of MAGNUS.md with every number configurable: how often
/// each model retrains, which logged rows it learns from, how candidates are validated.
///
/// Defaults are the paper's: the predictor every 180 s from requests whose prediction error
/// exceeded both 10 tokens and 10 % of the actual length; the estimator every 120 s from
/// batches whose time error exceeded both 2 s and 20 % of the actual time. "Exceeded" is
/// strict: an error exactly at a threshold does not qualify.
public struct RetrainingPolicy: Sendable, Hashable, Codable {
    /// Seconds between predictor retraining runs.
    public var predictorInterval: Seconds
    /// A request is learned from only when |G' − G| > this many tokens ...
    public var predictorErrorTokens: Int
    /// ... and |G' − G| / G > this fraction.
    public var predictorRelativeError: Double
    /// Seconds between estimator retraining runs.
    public var estimatorInterval: Seconds
    /// A batch is learned from only when |T' − T| > this many seconds ...
    public var estimatorErrorSeconds: Seconds
    /// ... and |T' − T| / T > this fraction.
    public var estimatorRelativeError: Double
    /// Share of the recent logged rows, the newest ones, held out to validate candidates;
    /// they are never trained on in that run.
    public var holdoutFraction: Double
    /// Fewest held-out rows a run needs; with fewer logged rows it skips.
    public var minimumHoldoutRows: Int
    /// Newest logged rows one run reads (bounds its memory and time).
    public var recentRowLimit: Int
    /// Largest predictor training set; the oldest examples go first.
    public var maxPredictorExamples: Int
    /// Largest estimator sample set (KNN cost grows with it); the oldest samples go first.
    public var maxEstimatorSamples: Int
    /// A candidate is accepted when its held-out error is at most the current model's
    /// times (1 + tolerance). 0 = "not worse".
    public var acceptanceTolerance: Double

    public init(
        predictorInterval: Seconds = 180, predictorErrorTokens: Int = 10, predictorRelativeError: Double = 0.10,
        estimatorInterval: Seconds = 120, estimatorErrorSeconds: Seconds = 2, estimatorRelativeError: Double = 0.20,
        holdoutFraction: Double = 0.2, minimumHoldoutRows: Int = 20, recentRowLimit: Int = 5_000,
        maxPredictorExamples: Int = 50_000, maxEstimatorSamples: Int = 5_000, acceptanceTolerance: Double = 0
    ) {
        self.predictorInterval = predictorInterval
        self.predictorErrorTokens = predictorErrorTokens
        self.predictorRelativeError = predictorRelativeError
        self.estimatorInterval = estimatorInterval
        self.estimatorErrorSeconds = estimatorErrorSeconds
        self.estimatorRelativeError = estimatorRelativeError
        self.holdoutFraction = holdoutFraction
        self.minimumHoldoutRows = minimumHoldoutRows
        self.recentRowLimit = recentRowLimit
        self.maxPredictorExamples = maxPredictorExamples
        self.maxEstimatorSamples = maxEstimatorSamples
        self.acceptanceTolerance = acceptanceTolerance
    }

    /// The interval of one model's loop.
    public func interval(for kind: ModelKind) -> Seconds {
        switch kind {
        case .predictor: predictorInterval
        case .estimator: estimatorInterval
        }
    }

    /// Whether a request's logged prediction missed by more than both thresholds, so the
    /// predictor should learn from it.
    ///
    /// The relative test divides (error / actual > fraction) rather than multiplying, so an
    /// error of exactly 10 % compares equal to the literal 0.10 and does not qualify.
    public func predictorShouldLearn(predicted: Int, actual: Int) -> Bool {
        let error = abs(predicted - actual)
        guard error > predictorErrorTokens else { return false }
        guard actual > 0 else { return true }
        return Double(error) / Double(actual) > predictorRelativeError
    }

    /// Whether a batch's estimated time missed by more than both thresholds, so the
    /// estimator should learn from it.
    public func estimatorShouldLearn(estimated: Seconds, actual: Seconds) -> Bool {
        let error = abs(estimated - actual)
        guard error > estimatorErrorSeconds else { return false }
        guard actual > 0 else { return true }
        return error / actual > estimatorRelativeError
    }

    /// The rule that decides between a candidate and the model in service.
    public var selection: ModelSelection { ModelSelection(tolerance: acceptanceTolerance) }
}
