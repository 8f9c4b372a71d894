/// One run of the predictor's retraining loop, as a pure function: from the current training
/// set and the recent request log to a validated candidate.
///
/// The newest rows of the log window are held out. Of the older rows, those whose logged
/// prediction missed by more than both thresholds join the training set (all of them when
/// the training set is still empty: bootstrapping from logs). A forest is trained on the
/// result; the candidate and the predictor in service are both measured (mean absolute
/// error in tokens) on the held-out rows, and `ModelSelection` decides.
public struct PredictorTrainer: Sendable {
    public var policy: RetrainingPolicy
    /// Features of the candidates this trainer builds.
    public var features: PredictorFeatures
    public var forest: RandomForestConfiguration
    public var upperQuantile: Double
    /// Fewest held-out rows of an application for the candidate's calibration to cover it;
    /// applications with fewer keep the distribution the scheduler has.
    public var calibrationMinimumPerApplication = 30

    public init(
        policy: RetrainingPolicy = .init(), features: PredictorFeatures = .init(),
        forest: RandomForestConfiguration = .init(), upperQuantile: Double = 0.9
    ) {
        self.policy = policy
        self.features = features
        self.forest = forest
        self.upperQuantile = upperQuantile
    }

    /// - Parameters:
    ///   - trainingSet: the examples the model in service was trained on.
    ///   - recent: finished requests logged since that model's data (any order).
    ///   - current: the predictor in service (a forest, or the prior).
    /// - Complexity: sorting the window, featurizing the training set and training the
    ///   forest, plus two predictions per held-out row.
    public func retrain(
        trainingSet: [LengthExample], recent: [LoggedRequest], current: any LengthPredicting
    ) -> RetrainingOutcome<PredictorModel, LengthExample> {
        let split: HoldoutSplit<LoggedRequest>
        switch HoldoutSplit.ofRecent(recent, policy: policy, rows: "requests", position: \.logPosition) {
        case .success(let made): split = made
        case .failure(let skip): return .skipped(skip.reason)
        }
        let learned =
            trainingSet.isEmpty
            ? split.training
            : split.training.filter {
                policy.predictorShouldLearn(predicted: $0.prediction.expected, actual: $0.generatedTokens)
            }
        guard !learned.isEmpty else {
            return .skipped(
                "none of \(split.training.count) logged requests missed by more than \(policy.predictorErrorTokens) tokens and \(policy.predictorRelativeError * 100) %"
            )
        }
        let added = learned.map(\.example)
        let combined = Array((trainingSet + added).suffix(max(1, policy.maxPredictorExamples)))
        let model = PredictorModel.train(
            examples: combined, features: features, forest: forest, upperQuantile: upperQuantile)
        let candidatePredictor = model.makePredictor()
        let candidateError = Self.meanAbsoluteError(of: candidatePredictor, on: split.holdout)
        let currentError = Self.meanAbsoluteError(of: current, on: split.holdout)
        let calibration = LengthCalibration.fit(
            split.holdout.map { ($0.request.application, candidatePredictor.predict($0.request).scale, $0.generatedTokens) },
            minimumPerApplication: calibrationMinimumPerApplication)
        return .trained(
            RetrainingCandidate(
                kind: .predictor, model: model, trainingSet: combined, added: added, candidateError: candidateError,
                currentError: currentError, holdoutRows: split.holdout.count,
                dataThrough: split.training.last?.logPosition ?? 0,
                decision: policy.selection.decide(candidateError: candidateError, currentError: currentError),
                calibration: calibration))
    }

    /// Mean |G'(p) − G(p)| of `predictor` over `rows`, in tokens (0 for no rows).
    /// - Complexity: one prediction per row.
    public static func meanAbsoluteError(of predictor: any LengthPredicting, on rows: [LoggedRequest]) -> Double {
        guard !rows.isEmpty else { return 0 }
        var total = 0.0
        for row in rows { total += Double(abs(predictor.predict(row.request).expected - row.generatedTokens)) }
        return total / Double(rows.count)
    }
}
