/// A predicted generation length: the point estimate G'(p) that WMA batching and the
/// batch-time estimate use, and an upper bound for an uncertainty-aware memory check.
public struct LengthPrediction: Sendable, Hashable, Codable {
    /// G'(p) in tokens.
    public var expected: Int
    /// An upper bound in tokens (a high quantile); never below `expected`.
    public var upper: Int

    public init(expected: Int, upper: Int) {
        self.expected = max(1, expected)
        self.upper = max(self.expected, upper)
    }
}
