import Coordinator
import ServiceSupport
import Shared
import Storage

/// The models a coordinator starts with, chosen by `ModelBootstrap`'s order (the stored
/// active version, else the training data, else logged data, else the analytic prior) and
/// persisted when newly trained, so that the next start loads them instead of retraining.
public struct StartupModels: Sendable {
    /// The predictor as data; nil while the `LengthRatioPredictor` prior serves.
    public var predictorModel: PredictorModel?
    public var estimatorModel: EstimatorModel
    public var predictorSource: BootstrapSource
    public var estimatorSource: BootstrapSource

    /// The serving predictor.
    public var predictor: any LengthPredicting { ModelBootstrap.servingPredictor(predictorModel) }

    /// Chooses (and trains) the models.
    /// - Parameters:
    ///   - store: the log store, or nil without one (then only the training data or the prior).
    ///   - examples: reads the configured training data; called only without a stored predictor.
    ///   - now: the time to stamp on saved versions (scheduler clock).
    /// - Complexity: training a forest when the predictor comes from examples or logs.
    public static func choose(
        settings: LearningSettings, store: LogStore?, examples: () throws(CoordinatorStartError) -> [LengthExample],
        now: Double, log: ServiceLog
    ) throws(CoordinatorStartError) -> StartupModels {
        let bootstrap = settings.bootstrap
        func storage<T>(_ body: (LogStore) throws(StorageError) -> T?) throws(CoordinatorStartError) -> T? {
            guard let store else { return nil }
            do {
                return try body(store)
            } catch {
                throw .logStore(path: store.path, error)
            }
        }

        // The predictor.
        let storedPredictor = try storage { store throws(StorageError) in try store.activePredictor() }
        var fileExamples: [LengthExample] = []
        var loggedRequests: [LoggedRequest] = []
        if storedPredictor == nil {
            fileExamples = try examples()
            if fileExamples.isEmpty {
                loggedRequests =
                    try storage { store throws(StorageError) in
                        try store.recentRequests(after: nil, limit: settings.policy.maxPredictorExamples)
                    } ?? []
            }
        }
        let clock = MonotonicClock()
        let predictor = bootstrap.predictor(
            stored: storedPredictor?.model, trainingFile: fileExamples, logged: loggedRequests)
        switch predictor.source {
        case .storedModel:
            let record = storedPredictor!.record
            log(
                .info,
                "predictor: stored version \(record.version) (\(record.source), \(record.trainingRows) training rows); training data not used"
            )
        case .trainingFile, .loggedData:
            let rows = predictor.newTrainingSet?.count ?? 0
            log(
                .info,
                "predictor: trained \(settings.forest.trees) trees on \(rows) rows of \(predictor.source == .trainingFile ? "training data" : "logged requests") in \(Format.fixed(clock.now, 2)) s"
            )
        case .prior:
            let prior = LengthRatioPredictor()
            log(
                .info,
                "predictor: no training data and no logged requests: the LengthRatioPredictor prior (G' = max(\(prior.minimum), \(prior.ratio) × L), upper × \(prior.upperFactor))"
            )
        }
        if let record = try storage({ store throws(StorageError) in try store.save(predictor, at: now) }) {
            log(.info, "predictor: saved as version \(record.version)")
        }

        // The estimator.
        let storedEstimator = try storage { store throws(StorageError) in try store.activeEstimator() }
        let loggedBatches =
            storedEstimator == nil
            ? try storage { store throws(StorageError) in
                try store.recentBatches(after: nil, limit: settings.policy.maxEstimatorSamples)
            } ?? [] : []
        var estimator = bootstrap.estimator(stored: storedEstimator?.model, logged: loggedBatches)
        if estimator.source != .storedModel { estimator.model?.prior = settings.prior }
        switch estimator.source {
        case .storedModel:
            log(.info, "estimator: stored version \(storedEstimator!.record.version) (\(storedEstimator!.record.trainingRows) samples)")
        case .loggedData:
            log(.info, "estimator: \(estimator.model?.samples.count ?? 0) logged batches")
        case .trainingFile, .prior:
            log(.info, "estimator: the analytic prior of the engine profile until batches are logged")
        }
        if let record = try storage({ store throws(StorageError) in try store.save(estimator, at: now) }) {
            log(.info, "estimator: saved as version \(record.version)")
        }
        return StartupModels(
            predictorModel: predictor.model, estimatorModel: estimator.model ?? settings.priorEstimator,
            predictorSource: predictor.source, estimatorSource: estimator.source)
    }
}
