/// One run of the estimator's retraining loop, as a pure function: from the current KNN
/// samples and the recent batch log to a validated candidate.
///
/// The newest batches of the window are held out. Of the older ones, those whose estimated
/// time missed by more than both thresholds join the samples (all of them when there are no
/// samples yet). The candidate KNN and the estimator in service are measured (mean absolute
/// error in seconds) on the held-out batches, and `ModelSelection` decides.
public struct EstimatorTrainer: Sendable {
    public var policy: RetrainingPolicy
    public var k: Int
    public var minimumSamples: Int
    public var prior: AnalyticBatchTimeModel

    public init(
        policy: RetrainingPolicy = .init(), k: Int = 5, minimumSamples: Int = 20,
        prior: AnalyticBatchTimeModel = .init()
    ) {
        self.policy = policy
        self.k = k
        self.minimumSamples = minimumSamples
        self.prior = prior
    }

    /// - Parameters:
    ///   - current: the model in service as data (`EstimatorModel.analyticPrior` before any
    ///     training); its samples are the training set.
    ///   - recent: finished batches logged since that model's data (any order).
    /// - Complexity: O(window · log window) to sort, plus O(holdout · samples · k) for the two
    ///   KNN evaluations.
    public func retrain(current: EstimatorModel, recent: [LoggedBatch]) -> RetrainingOutcome<
        EstimatorModel, BatchTimeSample
    > {
        let split: HoldoutSplit<LoggedBatch>
        switch HoldoutSplit.ofRecent(recent, policy: policy, rows: "batches", position: \.logPosition) {
        case .success(let made): split = made
        case .failure(let skip): return .skipped(skip.reason)
        }
        let learned =
            current.samples.isEmpty
            ? split.training
            : split.training.filter { policy.estimatorShouldLearn(estimated: $0.estimatedTime, actual: $0.actualTime) }
        guard !learned.isEmpty else {
            return .skipped(
                "none of \(split.training.count) logged batches missed by more than \(policy.estimatorErrorSeconds) s and \(policy.estimatorRelativeError * 100) %"
            )
        }
        let added = learned.map(\.sample)
        let samples = Array((current.samples + added).suffix(max(1, policy.maxEstimatorSamples)))
        let model = EstimatorModel(samples: samples, k: k, minimumSamples: minimumSamples, prior: prior)
        let candidateError = Self.meanAbsoluteError(of: model.makeEstimator(), on: split.holdout)
        let currentError = Self.meanAbsoluteError(of: current.makeEstimator(), on: split.holdout)
        return .trained(
            RetrainingCandidate(
                kind: .estimator, model: model, trainingSet: samples, added: added, candidateError: candidateError,
                currentError: currentError, holdoutRows: split.holdout.count,
                dataThrough: split.training.last?.logPosition ?? 0,
                decision: policy.selection.decide(candidateError: candidateError, currentError: currentError)))
    }

    /// Mean |T' − T| of `estimator` over `rows`, in seconds (0 for no rows).
    public static func meanAbsoluteError(of estimator: any BatchTimeEstimating, on rows: [LoggedBatch]) -> Double {
        guard !rows.isEmpty else { return 0 }
        var total = 0.0
        for row in rows { total += abs(estimator.estimate(row.features) - row.actualTime) }
        return total / Double(rows.count)
    }
}
