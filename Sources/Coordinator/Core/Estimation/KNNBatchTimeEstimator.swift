import Shared

/// A batch's logged serving time, for training the estimator.
public struct BatchTimeSample: Sendable, Hashable, Codable {
    public var features: BatchFeatures
    public var seconds: Seconds
    public init(features: BatchFeatures, seconds: Seconds) {
        self.features = features
        self.seconds = seconds
    }
}

/// The paper's estimator: KNN on (β, L(B), G'(B)), falling back to the analytic prior while
/// fewer than `minimumSamples` batches are known.
///
/// Queries far outside the logged data (a feature beyond twice the largest seen) also use the
/// prior, scaled by how the prior compares with KNN at the nearest known point; KNN cannot
/// extrapolate.
public struct KNNBatchTimeEstimator: BatchTimeEstimating {
    public let prior: AnalyticBatchTimeModel
    public let minimumSamples: Int
    private let knn: KNNRegressor?
    private let largest: (Double, Double, Double)

    public init(samples: [BatchTimeSample], k: Int = 5, minimumSamples: Int = 20, prior: AnalyticBatchTimeModel = .init()) {
        self.prior = prior
        self.minimumSamples = minimumSamples
        if samples.count >= max(minimumSamples, 1) {
            knn = KNNRegressor(k: k, points: samples.map(\.features.vector), targets: samples.map(\.seconds))
            largest = (
                samples.map { Double($0.features.batchSize) }.max()!, samples.map { Double($0.features.maxInput) }.max()!,
                samples.map { Double($0.features.maxGeneration) }.max()!
            )
        } else {
            knn = nil
            largest = (0, 0, 0)
        }
    }

    public var sampleCount: Int { knn?.sampleCount ?? 0 }
    public var usesPrior: Bool { knn == nil }

    /// - Complexity: O(samples · k).
    public func estimate(_ batch: BatchFeatures) -> Seconds {
        guard let knn else { return prior.estimate(batch) }
        let query = batch.vector
        let outside = query.0 > 2 * largest.0 || query.1 > 2 * largest.1 || query.2 > 2 * largest.2
        if outside { return prior.estimate(batch) }
        return knn.predict(query) ?? prior.estimate(batch)
    }
}
