import Coordinator
import Shared
import Testing
import Worker

@testable import Simulation

/// Continuous learning in virtual time (`SimulatedLearning`) and the drift benchmark.
@Suite struct DriftTests {
    static let words = ["model", "batch", "token", "memory", "request", "worker", "length", "queue", "cache", "serve"]

    /// `count` examples of one application whose outputs are `ratio` × the input words + `extra`.
    static func examples(_ application: String, instruction: String, count: Int, ratio: Int, extra: Int, seed: UInt64)
        -> [LengthExample]
    {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let length = 5 + Int(random.next() % 56)
            let input = (0..<length).map { _ in words[Int(random.next() % UInt64(words.count))] }.joined(separator: " ")
            return LengthExample(
                application: application, instruction: instruction, input: input, inputTokens: length + 3,
                generatedTokens: ratio * length + extra)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func retrainingOnVirtualTimeLearnsANewApplication() throws {
        let profile = EngineProfile.v100ChatGLM6B
        let short = Self.examples("fix", instruction: "Fix the grammar:", count: 1_400, ratio: 1, extra: 0, seed: 1)
        let long = Self.examples("explain", instruction: "Explain in detail:", count: 700, ratio: 6, extra: 50, seed: 2)
        let bootstrapRows = Array(short.prefix(400))
        // 500 requests of the known application, then 1,000 with the new one mixed in.
        func requests(_ pool: [LengthExample], count: Int, seed: UInt64) -> [Request] {
            ServingWorkload(training: [], pool: pool, traceArrivals: nil, description: "")
                .requests(count: count, rate: 6, maxNewTokens: 1_024, seed: seed)
        }
        let first = requests(Array(short[400...]), count: 500, seed: 3)
        let midpoint = first.last!.arrival
        var second = requests(Array(short[900...]) + long, count: 1_000, seed: 4)
        for index in second.indices {
            second[index].id = RequestID("d\(index)")
            second[index].arrival += midpoint
        }

        var policy = RetrainingPolicy()
        policy.predictorInterval = 20
        policy.estimatorInterval = 15
        let forest = RandomForestConfiguration(trees: 8, seed: 1)
        let bootstrap = ModelBootstrap(forest: forest).predictor(stored: nil, trainingFile: bootstrapRows, logged: [])
        let estimator = EstimatorModel(samples: [], prior: profile.analyticPrior)

        func run(retrains: Bool) -> (SimulatedLearning, MetricsRecorder) {
            let scheduler = Scheduler(
                configuration: SchedulerConfiguration(policy: .magnus, kvTokenCapacity: profile.capabilities.kvTokenCapacity),
                predictor: ModelBootstrap.servingPredictor(bootstrap.model), estimator: estimator.makeEstimator())
            let cluster = (0..<4).map {
                SimulatedWorker(id: WorkerID("gpu\($0)"), engine: SimulatedGPUEngine(profile: profile, seed: UInt64($0)))
            }
            var simulator = ClusterSimulator(
                scheduler: scheduler, workers: cluster, requests: first + second, estimatorRetrainInterval: nil)
            simulator.learning = SimulatedLearning(
                retrains: retrains, predictorTrainer: PredictorTrainer(policy: policy, forest: forest),
                estimatorTrainer: EstimatorTrainer(policy: policy, prior: profile.analyticPrior),
                predictor: bootstrap.model, trainingSet: bootstrap.newTrainingSet ?? [], estimator: estimator,
                start: first[0].arrival)
            let recorder = simulator.run()
            return (simulator.learning!, recorder)
        }
        let (frozen, frozenMetrics) = run(retrains: false)
        let (learning, learningMetrics) = run(retrains: true)
        #expect(frozenMetrics.responseTimes.count == 1_500 && learningMetrics.responseTimes.count == 1_500)
        #expect(frozen.completions.count == 1_500 && frozen.retrainings.isEmpty)

        // Runs happen at whole intervals of virtual time from the first arrival.
        let predictorRuns = learning.retrainings.filter { $0.kind == .predictor }
        #expect(predictorRuns.count >= 3)
        for run in learning.retrainings {
            let interval = run.kind == .predictor ? policy.predictorInterval : policy.estimatorInterval
            let periods = (run.time - first[0].arrival) / interval
            #expect(abs(periods - periods.rounded()) < 1e-6, "\(run.kind) ran at \(run.time)")
        }
        #expect(predictorRuns.contains { $0.decision == .accepted && $0.time > midpoint })

        // Requests of the new application that arrived well after the drift are predicted far better.
        func error(_ learning: SimulatedLearning) -> Double {
            let rows = learning.completions.filter { $0.application == "explain" && $0.arrival > midpoint + 60 }
            return rows.reduce(0) { $0 + Double(abs($1.predicted - $1.generated)) } / Double(max(1, rows.count))
        }
        #expect(error(learning) < error(frozen) / 2, "explain MAE \(error(learning)) with retraining, \(error(frozen)) without")
    }

    @Test(.timeLimit(.minutes(1)))
    func theDriftBenchmarkHoldsTheNewApplicationBackUntilTheMidpoint() throws {
        var policy = RetrainingPolicy()
        policy.predictorInterval = 30
        policy.estimatorInterval = 30
        let benchmark = DriftBenchmark(
            workload: .synthetic(tasks: ["gec", "detox", "mt_en_zh", "code_comment"]), profile: .v100ChatGLM6B,
            workers: 4, rate: 6, requests: 600, policy: policy, forest: RandomForestConfiguration(trees: 4, seed: 1),
            perTask: 200, seed: 2)
        let (scenario, runs) = try benchmark.run()
        #expect(runs.map(\.label) == ["without retraining", "with retraining"])
        #expect(runs.allSatisfy { $0.completions.count == scenario.requests.count })
        #expect(!scenario.bootstrapTraining.contains { $0.application == "code_comment" })
        #expect(!scenario.requests.contains { $0.application == "code_comment" && $0.arrival <= scenario.midpoint })
        #expect(scenario.requests.contains { $0.application == "code_comment" })
        let svg = DriftReport.chart(runs, benchmark: benchmark, window: 30, midpoint: scenario.midpoint).svg
        #expect(svg.contains("<svg") && svg.contains("with retraining"))
        #expect(DriftReport.summary(runs, benchmark: benchmark, midpoint: scenario.midpoint).markdown.contains("with retraining"))
    }
}
