/// A batch-time estimator as data: the KNN's logged samples and its settings. With fewer
/// than `minimumSamples` samples the estimator it builds answers with the analytic prior.
public struct EstimatorModel: Sendable, Hashable, Codable {
    public var samples: [BatchTimeSample]
    public var k: Int
    public var minimumSamples: Int
    public var prior: AnalyticBatchTimeModel

    public init(
        samples: [BatchTimeSample], k: Int = 5, minimumSamples: Int = 20, prior: AnalyticBatchTimeModel = .init()
    ) {
        self.samples = samples
        self.k = k
        self.minimumSamples = minimumSamples
        self.prior = prior
    }

    /// The documented prior: no samples, so every estimate comes from `AnalyticBatchTimeModel`.
    public static let analyticPrior = EstimatorModel(samples: [])

    /// The serving estimator.
    /// - Complexity: O(samples).
    public func makeEstimator() -> KNNBatchTimeEstimator {
        KNNBatchTimeEstimator(samples: samples, k: k, minimumSamples: minimumSamples, prior: prior)
    }
}
