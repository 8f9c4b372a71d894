#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A random forest trained on log(1 + G) instead of G. Its back-transformed prediction
/// estimates the *median* length rather than the mean — what minimises absolute error on
/// right-skewed lengths (a few very long outputs pull a mean up), and what WMA batching
/// should group by.
public struct LogTargetForest: LengthRegressor {
    public let forest: RandomForest

    public init(forest: RandomForest) { self.forest = forest }

    /// Trains on log-transformed targets.
    /// - Complexity: as `RandomForestTrainer.train`.
    public static func train(rows: [[Double]], targets: [Double], configuration: RandomForestConfiguration) -> LogTargetForest {
        LogTargetForest(
            forest: RandomForestTrainer(configuration: configuration).train(rows: rows, targets: targets.map { log1p(max($0, 0)) }))
    }

    public func predict(_ features: [Double], upperQuantile: Double) -> (point: Double, upper: Double) {
        let (mean, upper) = forest.predictWithSpread(features, quantile: upperQuantile)
        return (expm1(mean), expm1(upper))
    }
}
