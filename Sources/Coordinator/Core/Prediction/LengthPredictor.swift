import Shared

/// Predicts a request's generation length before it runs.
public protocol LengthPredicting: Sendable {
    /// G'(p) and its upper bound, capped at the request's `maxNewTokens`.
    func predict(_ request: Request) -> LengthPrediction
}

/// The paper's predictor: semantic features of input and instruction plus input length,
/// into a random forest (or any `LengthRegressor`).
public struct ForestLengthPredictor: LengthPredicting {
    public let extractor: LengthFeatureExtractor
    public let regressor: any LengthRegressor
    /// The ensemble quantile reported as `upper`.
    public let upperQuantile: Double

    public init(extractor: LengthFeatureExtractor, regressor: any LengthRegressor, upperQuantile: Double = 0.9) {
        self.extractor = extractor
        self.regressor = regressor
        self.upperQuantile = upperQuantile
    }

    /// - Complexity: O(input length + trees × depth).
    public func predict(_ request: Request) -> LengthPrediction {
        let (point, upper) = regressor.predict(extractor.features(for: request), upperQuantile: upperQuantile)
        let cap = max(1, request.maxNewTokens)
        return LengthPrediction(
            expected: min(cap, Int(point.rounded())), upper: min(cap, Int(upper.rounded(.up))), scale: max(point, 1))
    }
}

/// The oracle of the evaluation: knows the true length (`referenceOutputTokens`). Falls back
/// to `maxNewTokens` when the truth is unknown.
public struct OracleLengthPredictor: LengthPredicting {
    public init() {}
    public func predict(_ request: Request) -> LengthPrediction {
        let truth = min(request.maxNewTokens, request.referenceOutputTokens ?? request.maxNewTokens)
        return LengthPrediction(expected: truth, upper: truth)
    }
}

/// A prior for when no model exists yet: a fixed ratio of the input length, within bounds.
/// Documented and deliberately simple; the first retraining replaces it.
public struct LengthRatioPredictor: LengthPredicting {
    public var ratio: Double
    public var minimum: Int
    public var upperFactor: Double

    public init(ratio: Double = 1.0, minimum: Int = 16, upperFactor: Double = 2.0) {
        self.ratio = ratio
        self.minimum = minimum
        self.upperFactor = upperFactor
    }

    public func predict(_ request: Request) -> LengthPrediction {
        let cap = max(1, request.maxNewTokens)
        let expected = max(minimum, Int((Double(request.inputTokens) * ratio).rounded()))
        return LengthPrediction(
            expected: min(cap, expected), upper: min(cap, Int((Double(expected) * upperFactor).rounded(.up))))
    }
}
