import Shared
/// Accuracy of length predictions: MAE, RMSE, R² and the share of predictions within
/// max(10 tokens, 10 %) of the truth.
public struct RegressionMetrics: Sendable, Hashable {
    public var count: Int
    public var meanAbsoluteError: Double
    public var rootMeanSquaredError: Double
    public var rSquared: Double
    public var withinTolerance: Double
    /// Mean of predicted − actual (positive = over-prediction).
    public var bias: Double

    /// - Complexity: O(n).
    public init(actual: [Double], predicted: [Double]) {
        precondition(actual.count == predicted.count)
        count = actual.count
        guard !actual.isEmpty else {
            meanAbsoluteError = .nan
            rootMeanSquaredError = .nan
            rSquared = .nan
            withinTolerance = .nan
            bias = .nan
            return
        }
        let n = Double(actual.count)
        let mean = actual.reduce(0, +) / n
        var absolute = 0.0, squared = 0.0, total = 0.0, within = 0.0, signed = 0.0
        for (a, p) in zip(actual, predicted) {
            let error = p - a
            absolute += abs(error)
            squared += error * error
            signed += error
            total += (a - mean) * (a - mean)
            if abs(error) <= max(10, 0.1 * a) { within += 1 }
        }
        meanAbsoluteError = absolute / n
        rootMeanSquaredError = (squared / n).squareRoot()
        rSquared = total > 0 ? 1 - squared / total : 0
        withinTolerance = within / n
        bias = signed / n
    }
}

/// Ordinary least squares of y on one x: the length-only baseline.
public struct SimpleLinearRegression: Sendable, Hashable {
    public var intercept: Double
    public var slope: Double

    public init(x: [Double], y: [Double]) {
        let n = Double(max(x.count, 1))
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var covariance = 0.0, variance = 0.0
        for (a, b) in zip(x, y) {
            covariance += (a - meanX) * (b - meanY)
            variance += (a - meanX) * (a - meanX)
        }
        slope = variance > 0 ? covariance / variance : 0
        intercept = meanY - slope * meanX
    }

    public func predict(_ x: Double) -> Double { intercept + slope * x }
}

/// Percentiles of a sample (nearest rank on the sorted values).
public enum Percentile {
    public static func of(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
