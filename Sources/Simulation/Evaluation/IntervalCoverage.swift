/// How well predicted length bounds cover the actual lengths: the share of requests whose
/// generation stays within the median bound and within the upper bound (a calibrated P50 and
/// P90 should cover 50 % and 90 %), and how wide the interval is.
public struct IntervalCoverage: Sendable, Hashable {
    public var count: Int
    /// Share of actual lengths at most the median bound.
    public var medianCoverage: Double
    /// Share of actual lengths at most the upper bound.
    public var upperCoverage: Double
    /// Mean of upper bound / median bound: how much memory the bound reserves beyond the
    /// typical length.
    public var meanWidthRatio: Double

    /// - Parameters: actual lengths and the bounds in tokens, one of each per request; a
    ///   length equal to its bound is covered (a request may generate up to its bound).
    /// - Complexity: O(n).
    public init(actual: [Int], median: [Int], upper: [Int]) {
        precondition(actual.count == median.count && actual.count == upper.count)
        count = actual.count
        guard count > 0 else {
            medianCoverage = .nan
            upperCoverage = .nan
            meanWidthRatio = .nan
            return
        }
        var belowMedian = 0, belowUpper = 0, width = 0.0
        for index in actual.indices {
            if actual[index] <= median[index] { belowMedian += 1 }
            if actual[index] <= upper[index] { belowUpper += 1 }
            width += Double(upper[index]) / Double(max(median[index], 1))
        }
        medianCoverage = Double(belowMedian) / Double(count)
        upperCoverage = Double(belowUpper) / Double(count)
        meanWidthRatio = width / Double(count)
    }

    /// Whether the upper coverage is within `tolerance` of `level`.
    public func upperIsCalibrated(level: Double, tolerance: Double) -> Bool {
        abs(upperCoverage - level) <= tolerance
    }
}
