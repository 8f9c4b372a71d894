/// Decides between a candidate and the model in service by their errors on the same
/// held-out rows: the candidate wins when it is not worse (within `tolerance`).
public struct ModelSelection: Sendable, Hashable, Codable {
    /// Relative slack: accept when candidate ≤ current · (1 + tolerance).
    public var tolerance: Double

    public init(tolerance: Double = 0) {
        self.tolerance = tolerance
    }

    /// - Returns: `.accepted` when `candidateError` ≤ `currentError` · (1 + tolerance);
    ///   `.rejected` otherwise and whenever the candidate's error is not a number.
    public func decide(candidateError: Double, currentError: Double) -> ModelDecision {
        guard candidateError.isFinite else { return .rejected }
        guard currentError.isFinite else { return .accepted }
        return candidateError <= currentError * (1 + max(0, tolerance)) ? .accepted : .rejected
    }
}
