/// A predicted generation length: the point estimate G'(p) that WMA batching and the
/// batch-time estimate use, an upper bound for an uncertainty-aware memory check, and the
/// model's raw output (`scale`) that calibrated distributions are relative to.
public struct LengthPrediction: Sendable, Hashable, Codable {
    /// G'(p) in tokens (the median when calibrated).
    public var expected: Int
    /// The upper bound in tokens that the memory check may use; never below `expected`.
    /// The guard widens it to `max_new_tokens` for applications it does not trust.
    public var upper: Int
    /// The calibrated upper quantile before any guard widened it (what coverage is judged on).
    public var modelUpper: Int
    /// The regressor's unrounded output; calibrated ratios actual / scale apply to it.
    public var scale: Double

    /// The prediction with every bound at most `tokens` (a request cannot generate more than
    /// the KV cache holds, and a bound that large only invites overflow in the arithmetic).
    public func clamped(to tokens: Int) -> LengthPrediction {
        let limit = max(1, tokens)
        return LengthPrediction(
            expected: min(expected, limit), upper: min(upper, limit), modelUpper: min(modelUpper, limit), scale: scale)
    }

    public init(expected: Int, upper: Int, modelUpper: Int? = nil, scale: Double? = nil) {
        self.expected = max(1, expected)
        self.upper = max(self.expected, upper)
        self.modelUpper = max(self.expected, modelUpper ?? upper)
        self.scale = max(scale ?? Double(self.expected), 1e-9)
    }
}
