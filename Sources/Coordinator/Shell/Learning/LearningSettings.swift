import Coordinator
import ServiceSupport
import Shared

/// The learning parts of a coordinator configuration, in the pure core's types: the
/// retraining policy, the forest and features of trained predictors, the KNN settings and
/// the analytic prior of the estimator. The start-up bootstrap and the retraining loop use
/// the same values, so a retrained model is built like the one it replaces.
public struct LearningSettings: Sendable {
    public var policy: RetrainingPolicy
    public var features = PredictorFeatures()
    public var forest: RandomForestConfiguration
    public var upperQuantile = 0.9
    public var estimatorK = 5
    public var estimatorMinimumSamples = 20
    /// The batch-time prior of the configured engine profile.
    public var prior: AnalyticBatchTimeModel

    /// - Throws: `UsageError` for an unknown engine profile.
    public init(_ configuration: CoordinatorConfiguration) throws(UsageError) {
        policy = configuration.storage.retrainingPolicy
        forest = RandomForestConfiguration(trees: configuration.forestTrees, seed: configuration.seed)
        prior = try PredictorBootstrap.analyticPrior(configuration)
    }

    /// The start-up rule with these settings.
    public var bootstrap: ModelBootstrap {
        ModelBootstrap(
            features: features, forest: forest, upperQuantile: upperQuantile, estimatorK: estimatorK,
            estimatorMinimumSamples: estimatorMinimumSamples, maxPredictorExamples: policy.maxPredictorExamples,
            maxEstimatorSamples: policy.maxEstimatorSamples)
    }

    public var predictorTrainer: PredictorTrainer {
        PredictorTrainer(policy: policy, features: features, forest: forest, upperQuantile: upperQuantile)
    }

    public var estimatorTrainer: EstimatorTrainer {
        EstimatorTrainer(policy: policy, k: estimatorK, minimumSamples: estimatorMinimumSamples, prior: prior)
    }

    /// The estimator model without samples: every estimate from the profile's prior.
    public var priorEstimator: EstimatorModel {
        EstimatorModel(samples: [], k: estimatorK, minimumSamples: estimatorMinimumSamples, prior: prior)
    }
}
