import Coordinator
import ServiceSupport
import Shared
import Worker

/// Builds the scheduler a coordinator starts with: the length predictor (a forest trained on
/// the configured task files, or the documented `LengthRatioPredictor` prior without any),
/// the KNN estimator with its analytic prior, and the KV capacity from the configuration or
/// the named engine profile.
public enum PredictorBootstrap {
    /// The KV token slots to plan for: `kv_token_capacity`, else the profile's Θ / Δ.
    public static func kvTokenCapacity(_ configuration: CoordinatorConfiguration) throws(UsageError) -> Int {
        if let capacity = configuration.kvTokenCapacity { return capacity }
        guard let name = configuration.profile else { throw UsageError("set kv_token_capacity or a profile") }
        guard let profile = EngineProfile.named(name) else {
            throw UsageError("unknown engine profile '\(name)'; built in: \(EngineProfile.builtinNames.joined(separator: ", "))")
        }
        return profile.capabilities.kvTokenCapacity
    }

    /// The predictor: trained on every row of the configured training files, or the prior.
    /// - Complexity: reading and featurizing the rows plus the forest's training cost.
    public static func predictor(
        _ configuration: CoordinatorConfiguration, log: ServiceLog
    ) throws -> any LengthPredicting {
        if configuration.trainingData == ["builtin"] {
            // The built-in generator: statistics measured on the real task data, made-up text.
            let counter = HeuristicTokenCounter()
            let records = SyntheticWorkload(statistics: BuiltInWorkload.paperTasks).records(
                count: 2_000 * BuiltInWorkload.paperTasks.count, seed: configuration.seed)
            let predictor = ForestLengthPredictor.train(
                examples: records.map { LengthExample(record: $0, counter: counter) },
                forest: RandomForestConfiguration(trees: configuration.forestTrees, seed: configuration.seed))
            log(.info, "trained the length predictor on \(records.count) rows of the built-in workload generator")
            return predictor
        }
        guard !configuration.trainingData.isEmpty else {
            let prior = LengthRatioPredictor()
            log(
                .info,
                "no training data: predicting with the LengthRatioPredictor prior (G' = max(\(prior.minimum), \(prior.ratio) × L), upper × \(prior.upperFactor))"
            )
            return prior
        }
        let clock = MonotonicClock()
        let counter = HeuristicTokenCounter()
        var examples: [LengthExample] = []
        for path in configuration.trainingData {
            let records = try TaskFileReader.read(path: path, limit: configuration.trainingRowsPerFile)
            examples += records.map { LengthExample(record: $0, counter: counter) }
            log(.info, "training data: \(records.count) rows from \(path)")
        }
        guard !examples.isEmpty else { throw UsageError("the training files hold no rows") }
        let predictor = ForestLengthPredictor.train(
            examples: examples,
            forest: RandomForestConfiguration(trees: configuration.forestTrees, seed: configuration.seed))
        log(.info, "trained the length predictor: \(configuration.forestTrees) trees on \(examples.count) rows in \(CoordinatorRuntime.format(clock.now)) s")
        return predictor
    }

    /// The batch-time prior of the configured engine profile (the default V100 figures
    /// without one).
    public static func analyticPrior(_ configuration: CoordinatorConfiguration) throws(UsageError) -> AnalyticBatchTimeModel {
        guard let name = configuration.profile else { return AnalyticBatchTimeModel() }
        guard let profile = EngineProfile.named(name) else { throw UsageError("unknown engine profile '\(name)'") }
        let prior = profile.batchTimePrior
        return AnalyticBatchTimeModel(
            stepOverhead: prior.stepOverhead, kvReadPerToken: prior.kvReadPerToken, prefillPerToken: prior.prefillPerToken)
    }

    /// The scheduler for a validated configuration. Under `magnus-ua` (and `magnus-ua-risk`,
    /// whose batches are not capped) it starts with no calibrated distributions: every
    /// application is batched for its worst case until its first completions calibrate it
    /// online (or a retrained predictor brings held-out ones), and batches are also checked
    /// against the profile's prefill memory.
    public static func scheduler(
        _ configuration: CoordinatorConfiguration, predictor: any LengthPredicting
    ) throws(UsageError) -> Scheduler {
        let choice = configuration.policy
        guard choice.runsInService, let policy = choice.batchingPolicy ?? (choice.continuousPolicy != nil ? .magnus : nil) else {
            throw UsageError("policy \(choice) runs only in the simulator (magnus bench); use one of \(PolicyChoice.serviceSyntax)")
        }
        let uncertaintyAware = choice.isUncertaintyAware
        let profile = configuration.profile.flatMap(EngineProfile.named)
        // magnus-cb reserves and re-predicts at the same calibrated quantile.
        let uncertainty = choice.continuousPolicy != nil
            ? UncertaintyConfiguration(continuationLevel: UncertaintyConfiguration().upperLevel, boundedGeneration: false)
            : UncertaintyConfiguration(boundedGeneration: choice.boundedGeneration)
        return Scheduler(
            configuration: SchedulerConfiguration(
                policy: policy, wmaThreshold: configuration.wmaThreshold,
                kvTokenCapacity: try kvTokenCapacity(configuration),
                memoryCheckUsesUpperBound: configuration.memoryCheckUsesUpperBound, maxAttempts: configuration.maxAttempts,
                prefillMemory: uncertaintyAware ? profile?.capabilities.prefill : nil, continuous: choice.continuousPolicy),
            predictor: predictor, estimator: KNNBatchTimeEstimator(samples: [], prior: try analyticPrior(configuration)),
            uncertainty: uncertaintyAware ? UncertaintyModel(calibration: LengthCalibration(), configuration: uncertainty) : nil)
    }
}
