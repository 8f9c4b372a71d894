/// A trained length predictor as data: the forest, the features it was trained on and the
/// instructions it knows, so it can be stored, loaded and rebuilt into exactly the same
/// `ForestLengthPredictor`.
public struct PredictorModel: Sendable {
    public var features: PredictorFeatures
    public var forest: RandomForest
    /// The ensemble quantile reported as the prediction's upper bound.
    public var upperQuantile: Double
    /// Instruction texts of the training examples, embedded once when the predictor is
    /// built so that known applications never embed their instruction on the hot path.
    public var instructions: [String]
    /// Whether the forest predicts G (the mean) or log(1 + G) (the median).
    public var target: LengthTarget

    public init(
        features: PredictorFeatures, forest: RandomForest, upperQuantile: Double, instructions: [String],
        target: LengthTarget = .mean
    ) {
        self.features = features
        self.forest = forest
        self.upperQuantile = upperQuantile
        self.instructions = instructions
        self.target = target
    }

    /// The serving predictor.
    /// - Complexity: O(total length of `instructions`) to warm the instruction cache.
    public func makePredictor() -> ForestLengthPredictor {
        var extractor = features.makeExtractor()
        extractor.warm(instructions: instructions)
        let regressor: any LengthRegressor = target == .median ? LogTargetForest(forest: forest) : forest
        return ForestLengthPredictor(extractor: extractor, regressor: regressor, upperQuantile: upperQuantile)
    }

    /// Trains a forest on `examples` with the given features.
    /// - Precondition: `examples` is not empty.
    /// - Complexity: featurization O(total text) plus the forest's training cost.
    public static func train(
        examples: [LengthExample], features: PredictorFeatures = .init(),
        forest configuration: RandomForestConfiguration = .init(), upperQuantile: Double = 0.9,
        target: LengthTarget = .mean
    ) -> PredictorModel {
        precondition(!examples.isEmpty, "a predictor needs at least one example")
        let predictor = ForestLengthPredictor.train(
            examples: examples, extractor: features.makeExtractor(), forest: configuration, upperQuantile: upperQuantile,
            target: target)
        let forest: RandomForest
        switch predictor.regressor {
        case let plain as RandomForest: forest = plain
        case let logarithmic as LogTargetForest: forest = logarithmic.forest
        default: preconditionFailure("ForestLengthPredictor.train returns a Swift forest")
        }
        let instructions = Set(examples.map(\.instruction)).sorted()
        return PredictorModel(
            features: features, forest: forest, upperQuantile: upperQuantile, instructions: instructions, target: target)
    }
}
