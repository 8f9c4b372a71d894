import Coordinator
import Shared
import Worker

/// Drift in the simulator: the workload changes halfway and the models either stay as
/// bootstrapped or retrain on virtual time with the coordinator's rules.
///
/// The predictor and estimator are bootstrapped without one application (`newApplication`,
/// held out of the training data). The first half of the requests comes from the other
/// applications; from the midpoint the held-out application arrives too, and the outputs of
/// `grownApplication` become `growth` times longer. Both runs see the same requests, the
/// same bootstrapped models and the same simulated cluster; with retraining, the pure
/// `PredictorTrainer` and `EstimatorTrainer` run at the policy's intervals of virtual time.
public struct DriftBenchmark: Sendable {
    public var workload: WorkloadSource
    public var profile: EngineProfile
    public var workers: Int
    public var rate: Double
    public var requests: Int
    public var maxNewTokens: Int
    public var newApplication: String
    public var grownApplication: String
    public var growth: Double
    public var policy: RetrainingPolicy
    public var forest: RandomForestConfiguration
    public var perTask: Int?
    public var seed: UInt64
    public var jitterSigma: Double
    /// Check memory with the predicted upper bound instead of the point prediction.
    public var memoryCheckUsesUpperBound: Bool
    /// Also run uncertainty-aware Magnus (issue 8) with this configuration: calibrated on a
    /// held-out fifth of the bootstrap rows, the new application unknown to it (the guard
    /// batches it for its worst case until completions calibrate it online).
    public var uncertainty: UncertaintyConfiguration?

    public init(
        workload: WorkloadSource, profile: EngineProfile, workers: Int = 8, rate: Double = 14, requests: Int = 20_000,
        maxNewTokens: Int = 2_048, newApplication: String = "code_comment", grownApplication: String = "mt_en_zh",
        growth: Double = 1.5, policy: RetrainingPolicy = .init(), forest: RandomForestConfiguration = .init(),
        perTask: Int? = 10_000, seed: UInt64 = 1, jitterSigma: Double = 0.05, memoryCheckUsesUpperBound: Bool = false
    ) {
        self.memoryCheckUsesUpperBound = memoryCheckUsesUpperBound
        self.workload = workload
        self.profile = profile
        self.workers = workers
        self.rate = rate
        self.requests = requests
        self.maxNewTokens = maxNewTokens
        self.newApplication = newApplication
        self.grownApplication = grownApplication
        self.growth = growth
        self.policy = policy
        self.forest = forest
        self.perTask = perTask
        self.seed = seed
        self.jitterSigma = jitterSigma
    }

    /// The scenario's requests and the drift's start (virtual seconds).
    public struct Scenario: Sendable {
        /// Training rows of the bootstrap: every application but the new one.
        public var bootstrapTraining: [LengthExample]
        public var requests: [Request]
        public var midpoint: Seconds
    }

    /// Builds the requests: the first half without the new application, the second half
    /// with it and with the grown application's outputs scaled.
    /// - Throws: a workload that cannot be loaded.
    public func scenario() throws -> Scenario {
        let loaded = try ServingWorkload.load(workload, perTask: perTask, seed: seed)
        let before = loaded.pool.filter { $0.application != newApplication }
        let after = loaded.pool
        guard !before.isEmpty, after.contains(where: { $0.application == newApplication }) else {
            throw WorkloadError("the workload has no \(newApplication) requests to introduce, or nothing else")
        }
        func part(_ pool: [LengthExample], count: Int, seed: UInt64) -> [Request] {
            ServingWorkload(training: [], pool: pool, traceArrivals: nil, description: "")
                .requests(count: count, rate: rate, maxNewTokens: maxNewTokens, seed: seed)
        }
        let first = part(before, count: requests / 2, seed: seed &+ 11)
        let midpoint = first.last?.arrival ?? 0
        var second = part(after, count: requests - requests / 2, seed: seed &+ 12)
        for index in second.indices {
            second[index].id = RequestID("d\(index)")
            second[index].arrival += midpoint
            if second[index].application == grownApplication, let reference = second[index].referenceOutputTokens {
                second[index].referenceOutputTokens = min(maxNewTokens, max(1, Int((Double(reference) * growth).rounded())))
            }
        }
        return Scenario(
            bootstrapTraining: loaded.training.filter { $0.application != newApplication }, requests: first + second,
            midpoint: midpoint)
    }

    /// Runs the scenario without and with retraining.
    /// - Parameter progress: a line describing what runs now.
    public func run(progress: (String) -> Void = { _ in }) throws -> (scenario: Scenario, runs: [DriftRun]) {
        let scenario = try scenario()
        progress("bootstrapping the predictor on \(scenario.bootstrapTraining.count) rows (without \(newApplication))")
        let bootstrap = ModelBootstrap(forest: forest, maxPredictorExamples: policy.maxPredictorExamples)
            .predictor(stored: nil, trainingFile: scenario.bootstrapTraining, logged: [])
        let profiling = ServingBenchmark(
            workload: ServingWorkload(
                training: scenario.bootstrapTraining, pool: scenario.bootstrapTraining, traceArrivals: nil, description: ""),
            profile: profile, policies: [], rates: [], maxNewTokens: maxNewTokens, seed: seed
        ).profilingSamples()
        let estimator = EstimatorModel(samples: profiling, prior: profile.analyticPrior)
        // The uncertainty model's distributions: a forest trained on four fifths of the
        // bootstrap rows, measured on the fifth it did not see (ratios to the serving
        // forest's output are assumed alike).
        let calibration = uncertainty.map { settings in
            CalibratedLengthPredictor.train(
                examples: scenario.bootstrapTraining, forest: forest, upperLevel: settings.upperLevel
            ).calibration
        }
        var variants: [(label: String, retrains: Bool, uncertainty: UncertaintyModel?)] = [
            ("without retraining", false, nil), ("with retraining", true, nil),
        ]
        if let uncertainty, let calibration {
            variants = variants.map { ("Magnus, " + $0.label, $0.retrains, nil) }
            for retrains in [false, true] {
                variants.append(
                    ("Magnus-UA, \(retrains ? "with" : "without") retraining", retrains,
                     UncertaintyModel(calibration: calibration, configuration: uncertainty)))
            }
        }
        var runs: [DriftRun] = []
        for (label, retrains, model) in variants {
            let started = ContinuousClock.now
            let scheduler = Scheduler(
                configuration: SchedulerConfiguration(
                    policy: .magnus, kvTokenCapacity: profile.capabilities.kvTokenCapacity,
                    memoryCheckUsesUpperBound: memoryCheckUsesUpperBound,
                    prefillMemory: model != nil ? profile.capabilities.prefill : nil),
                predictor: ModelBootstrap.servingPredictor(bootstrap.model), estimator: estimator.makeEstimator(),
                uncertainty: model)
            let cluster = (0..<workers).map {
                SimulatedWorker(
                    id: WorkerID("gpu\($0)"),
                    engine: SimulatedGPUEngine(profile: profile, seed: seed &+ UInt64($0), jitterSigma: jitterSigma))
            }
            var simulator = ClusterSimulator(
                scheduler: scheduler, workers: cluster, requests: scenario.requests, estimatorRetrainInterval: nil)
            simulator.learning = SimulatedLearning(
                retrains: retrains, predictorTrainer: PredictorTrainer(policy: policy, forest: forest),
                estimatorTrainer: EstimatorTrainer(policy: policy, prior: profile.analyticPrior),
                predictor: bootstrap.model, trainingSet: bootstrap.newTrainingSet ?? [], estimator: estimator,
                start: scenario.requests.first?.arrival ?? 0)
            let recorder = simulator.run { done, total in progress("\(label): \(done)/\(total)") }
            let elapsed = started.duration(to: .now).components
            let learning = simulator.learning!
            runs.append(
                DriftRun(
                    label: label, metrics: recorder.metrics(policy: label, offeredRate: rate, workers: workers),
                    completions: learning.completions, retrainings: learning.retrainings,
                    wallSeconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18))
        }
        return (scenario, runs)
    }
}
