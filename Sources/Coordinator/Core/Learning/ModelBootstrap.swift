/// The start-up rule for both models, pure so the coordinator and the simulator share it:
/// a persisted active model first (a restart does not retrain from zero); else a JSONL
/// training file; else the log store's finished rows, when there are at least
/// `minimumLoggedRows`; else the documented analytic prior.
public struct ModelBootstrap: Sendable {
    public var features: PredictorFeatures
    public var forest: RandomForestConfiguration
    public var upperQuantile: Double
    public var estimatorK: Int
    public var estimatorMinimumSamples: Int
    /// Fewest logged rows worth training on instead of keeping the prior.
    public var minimumLoggedRows: Int
    /// Caps on the training sets, as in `RetrainingPolicy`.
    public var maxPredictorExamples: Int
    public var maxEstimatorSamples: Int

    public init(
        features: PredictorFeatures = .init(), forest: RandomForestConfiguration = .init(), upperQuantile: Double = 0.9,
        estimatorK: Int = 5, estimatorMinimumSamples: Int = 20, minimumLoggedRows: Int = 50,
        maxPredictorExamples: Int = RetrainingPolicy().maxPredictorExamples,
        maxEstimatorSamples: Int = RetrainingPolicy().maxEstimatorSamples
    ) {
        self.features = features
        self.forest = forest
        self.upperQuantile = upperQuantile
        self.estimatorK = estimatorK
        self.estimatorMinimumSamples = estimatorMinimumSamples
        self.minimumLoggedRows = minimumLoggedRows
        self.maxPredictorExamples = maxPredictorExamples
        self.maxEstimatorSamples = maxEstimatorSamples
    }

    /// Which source the predictor comes from, given what exists.
    public func predictorSource(hasStoredModel: Bool, trainingFileRows: Int, loggedRows: Int) -> BootstrapSource {
        if hasStoredModel { return .storedModel }
        if trainingFileRows > 0 { return .trainingFile }
        if loggedRows >= max(1, minimumLoggedRows) { return .loggedData }
        return .prior
    }

    /// Which source the estimator comes from (there is no training file for batch times).
    public func estimatorSource(hasStoredModel: Bool, loggedRows: Int) -> BootstrapSource {
        if hasStoredModel { return .storedModel }
        if loggedRows >= max(1, minimumLoggedRows, estimatorMinimumSamples) { return .loggedData }
        return .prior
    }

    /// The predictor to start with.
    /// - Parameters:
    ///   - stored: the persisted active model, if any.
    ///   - trainingFile: examples read from the configured JSONL files (empty: none).
    ///   - logged: finished requests in the log store, used only when there is neither of
    ///     the above (the caller may pass [] after checking `predictorSource`).
    /// - Complexity: training a forest for the file and log sources.
    public func predictor(
        stored: PredictorModel?, trainingFile: [LengthExample], logged: [LoggedRequest]
    ) -> BootstrappedModel<PredictorModel, LengthExample> {
        switch predictorSource(
            hasStoredModel: stored != nil, trainingFileRows: trainingFile.count, loggedRows: logged.count)
        {
        case .storedModel:
            return BootstrappedModel(source: .storedModel, model: stored, newTrainingSet: nil, dataThrough: nil)
        case .trainingFile:
            let examples = Array(trainingFile.suffix(max(1, maxPredictorExamples)))
            return BootstrappedModel(
                source: .trainingFile, model: train(examples), newTrainingSet: examples, dataThrough: nil)
        case .loggedData:
            let ordered = logged.sorted { $0.logPosition < $1.logPosition }.suffix(max(1, maxPredictorExamples))
            let examples = ordered.map(\.example)
            return BootstrappedModel(
                source: .loggedData, model: train(examples), newTrainingSet: examples,
                dataThrough: ordered.last?.logPosition)
        case .prior:
            return BootstrappedModel(source: .prior, model: nil, newTrainingSet: nil, dataThrough: nil)
        }
    }

    /// The estimator to start with; the prior is `EstimatorModel` without samples.
    /// - Complexity: O(logged · log logged).
    public func estimator(stored: EstimatorModel?, logged: [LoggedBatch]) -> BootstrappedModel<
        EstimatorModel, BatchTimeSample
    > {
        switch estimatorSource(hasStoredModel: stored != nil, loggedRows: logged.count) {
        case .storedModel:
            return BootstrappedModel(source: .storedModel, model: stored, newTrainingSet: nil, dataThrough: nil)
        case .loggedData:
            let ordered = logged.sorted { $0.logPosition < $1.logPosition }.suffix(max(1, maxEstimatorSamples))
            let samples = ordered.map(\.sample)
            let model = EstimatorModel(samples: samples, k: estimatorK, minimumSamples: estimatorMinimumSamples)
            return BootstrappedModel(
                source: .loggedData, model: model, newTrainingSet: samples, dataThrough: ordered.last?.logPosition)
        case .trainingFile, .prior:
            let model = EstimatorModel(samples: [], k: estimatorK, minimumSamples: estimatorMinimumSamples)
            return BootstrappedModel(source: .prior, model: model, newTrainingSet: nil, dataThrough: nil)
        }
    }

    /// The serving predictor for a bootstrapped or loaded model: the forest, or the
    /// documented `LengthRatioPredictor` prior when there is none.
    public static func servingPredictor(_ model: PredictorModel?) -> any LengthPredicting {
        model?.makePredictor() ?? LengthRatioPredictor()
    }

    private func train(_ examples: [LengthExample]) -> PredictorModel {
        PredictorModel.train(examples: examples, features: features, forest: forest, upperQuantile: upperQuantile)
    }
}
