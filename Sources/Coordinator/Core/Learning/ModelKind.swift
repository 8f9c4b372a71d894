/// The two models Magnus learns online.
public enum ModelKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The generation-length predictor (random forest over request features).
    case predictor
    /// The batch serving-time estimator (KNN over (β, L(B), G'(B))).
    case estimator

    public var description: String { rawValue }
}
