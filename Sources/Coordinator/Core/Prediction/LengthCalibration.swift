/// Calibrated length distributions: per application, the empirical distribution of
/// actual / predicted ratios on held-out data (split conformal calibration, multiplicative,
/// since length errors grow with length). A prediction p with raw output s then has
/// quantile q at s · Q_app(q) and P(G ≤ g) = F_app(g / s).
public struct LengthCalibration: Sendable, Hashable, Codable {
    /// Sorted ratios per application with enough samples.
    public private(set) var ratios: [String: [Double]]
    /// Sorted ratios of every application, for applications without their own.
    public private(set) var global: [Double]
    /// Fewest samples an application needs for its own distribution.
    public let minimumPerApplication: Int

    public init(ratios: [String: [Double]] = [:], global: [Double] = [], minimumPerApplication: Int = 50) {
        self.ratios = ratios.mapValues { $0.sorted() }
        self.global = global.sorted()
        self.minimumPerApplication = minimumPerApplication
    }

    /// Fits from held-out (application, raw prediction, actual length) triples.
    /// - Complexity: O(n log n).
    public static func fit(
        _ samples: [(application: String, scale: Double, actual: Int)], minimumPerApplication: Int = 50
    ) -> LengthCalibration {
        var byApplication: [String: [Double]] = [:]
        var all: [Double] = []
        for sample in samples {
            let ratio = Double(max(sample.actual, 1)) / max(sample.scale, 1e-9)
            byApplication[sample.application, default: []].append(ratio)
            all.append(ratio)
        }
        return LengthCalibration(
            ratios: byApplication.filter { $0.value.count >= minimumPerApplication }, global: all,
            minimumPerApplication: minimumPerApplication)
    }

    /// Whether an application has its own calibrated distribution.
    public func knows(_ application: String) -> Bool { ratios[application] != nil }

    func distribution(_ application: String) -> [Double] { ratios[application] ?? global }

    /// The q-quantile of actual / predicted for an application (1 with no data).
    /// - Complexity: O(1).
    public func quantile(_ q: Double, application: String) -> Double {
        Self.conformalQuantile(q, of: distribution(application)) ?? 1
    }

    /// The q-quantile of sorted `values` at the conformal rank ceil((n + 1) q) − 1, clamped;
    /// nil when there are none.
    public static func conformalQuantile(_ q: Double, of values: some RandomAccessCollection<Double>) -> Double? {
        guard !values.isEmpty else { return nil }
        let rank = min(values.count - 1, max(0, Int((Double(values.count + 1) * q).rounded(.up)) - 1))
        return values[values.index(values.startIndex, offsetBy: rank)]
    }

    /// The q-bound in tokens for a raw prediction `scale`: the largest whole length at most
    /// scale · `quantile(q)`, at least 1. Lengths are whole tokens, so G ≤ scale · Q exactly
    /// when G ≤ floor(scale · Q), and this bound keeps the conformal guarantee P(G ≤ bound)
    /// ≥ q without overshooting it; rounding up instead adds up to one token, which covers
    /// far more than q on tasks whose outputs are a few tokens long (measured by
    /// `magnus bench-predictor --tasks all`: grammar correction and detoxification at 95 %).
    /// - Complexity: O(1).
    public func bound(_ q: Double, application: String, scale: Double) -> Int {
        Self.wholeTokens(atMost: scale * quantile(q, application: application))
    }

    /// The largest whole number of tokens at most `value`, at least 1. A tolerance keeps a
    /// value that should be whole (a calibration row's own ratio times its scale) from
    /// falling just below it through rounding.
    public static func wholeTokens(atMost value: Double) -> Int {
        Int(min(max(value + 1e-9, 1), Double(Int.max / 2)).rounded(.down))
    }

    /// P(actual / predicted ≤ ratio) for an application (empirical CDF).
    /// - Complexity: O(log n).
    public func probability(ratioAtMost ratio: Double, application: String) -> Double {
        let values = distribution(application)
        guard !values.isEmpty else { return ratio >= 1 ? 1 : 0 }
        return Double(Self.count(atMost: ratio, in: values)) / Double(values.count)
    }

    /// The sorted ratios of an application above `ratio` (its distribution conditioned on
    /// exceeding it).
    /// - Complexity: O(log n) plus the slice.
    public func tail(above ratio: Double, application: String) -> ArraySlice<Double> {
        let values = distribution(application)
        return values[Self.count(atMost: ratio, in: values)...]
    }

    /// How many of the sorted `values` are at most `ratio` (binary search).
    static func count(atMost ratio: Double, in values: [Double]) -> Int {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] <= ratio { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Replaces one application's distribution (online recalibration from worker reports).
    /// - Parameter minimum: fewest ratios accepted (default: `minimumPerApplication`).
    public mutating func update(application: String, ratios newRatios: [Double], minimum: Int? = nil) {
        guard !newRatios.isEmpty, newRatios.count >= (minimum ?? minimumPerApplication) else { return }
        ratios[application] = newRatios.sorted()
    }
}
