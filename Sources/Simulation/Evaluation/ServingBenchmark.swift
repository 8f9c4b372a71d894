import Coordinator
import Shared
import Worker

/// The paper's evaluation, reproduced in the simulator: policies side by side over a sweep
/// of request rates on one workload, every policy seeing the same requests, the same trained
/// predictor and the same simulated cluster.
public struct ServingBenchmark: Sendable {
    public var workload: ServingWorkload
    public var profile: EngineProfile
    public var workers: Int
    public var policies: [PolicySpec]
    public var rates: [Double]
    public var requestsPerRate: Int
    public var maxNewTokens: Int
    public var wmaThreshold: Double
    public var memoryCheckUsesUpperBound: Bool
    public var seed: UInt64
    public var forest: RandomForestConfiguration
    public var jitterSigma: Double
    public var uncertainty: UncertaintyConfiguration
    public var lengthTarget: LengthTarget = .mean
    /// Magnus-CB: the calibrated quantile each request reserves (and is re-predicted at).
    public var continuousLevel = 0.9

    public init(
        workload: ServingWorkload, profile: EngineProfile, workers: Int = 8, policies: [PolicySpec], rates: [Double],
        requestsPerRate: Int = 4_000, maxNewTokens: Int = 2_048, wmaThreshold: Double = SchedulerConfiguration.defaultWMAThreshold,
        memoryCheckUsesUpperBound: Bool = false, seed: UInt64 = 1, forest: RandomForestConfiguration = .init(),
        jitterSigma: Double = 0.05, uncertainty: UncertaintyConfiguration = .init()
    ) {
        self.uncertainty = uncertainty
        self.workload = workload
        self.profile = profile
        self.workers = workers
        self.policies = policies
        self.rates = rates
        self.requestsPerRate = requestsPerRate
        self.maxNewTokens = maxNewTokens
        self.wmaThreshold = wmaThreshold
        self.memoryCheckUsesUpperBound = memoryCheckUsesUpperBound
        self.seed = seed
        self.forest = forest
        self.jitterSigma = jitterSigma
    }

    /// The largest fixed batch size that can never run out of memory on this workload: the
    /// worst case is the longest input plus `maxNewTokens` in every row.
    public static func safeBatchSize(profile: EngineProfile, workload: ServingWorkload, maxNewTokens: Int) -> Int {
        let longest = workload.pool.map(\.inputTokens).max() ?? 0
        var size = 1
        while size < max(profile.maxBatchSize, 1),
            profile.firstOutOfMemoryStep(batchSize: size + 1, paddedInput: longest, generatedMax: maxNewTokens) == nil
        {
            size += 1
        }
        return size
    }

    /// Trains the predictor on the workload's training part.
    public func trainPredictor() -> ForestLengthPredictor {
        ForestLengthPredictor.train(examples: workload.training, forest: forest, target: lengthTarget)
    }

    /// Profiling runs for the estimator's first training: random batches of training rows
    /// run through the engine model (the paper trains the estimator on the same 25 %).
    public func profilingSamples(count: Int = 400) -> [BatchTimeSample] {
        var generator = SplitMix64(seed: seed ^ 0xE571)
        var samples: [BatchTimeSample] = []
        let pool = workload.training.isEmpty ? workload.pool : workload.training
        let largest = max(2, min(profile.maxBatchSize > 0 ? profile.maxBatchSize : 256, 256))
        for _ in 0..<count {
            let size = 1 + Int(generator.next() % UInt64(largest))
            var input = 0, generated = 0
            for _ in 0..<size {
                let example = pool[Int(generator.next() % UInt64(pool.count))]
                input = max(input, example.inputTokens)
                generated = max(generated, min(example.generatedTokens, maxNewTokens))
            }
            let run = profile.predictRun(batchSize: size, paddedInput: input, generatedMax: generated)
            guard run.outOfMemoryStep == nil else { continue }
            samples.append(
                BatchTimeSample(features: BatchFeatures(batchSize: size, maxInput: input, maxGeneration: generated), seconds: run.duration))
        }
        return samples
    }

    /// Runs every policy at every rate.
    /// - Parameter progress: a line describing what runs now.
    public func run(progress: (String) -> Void = { _ in }) -> [SimulationMetrics] {
        progress("training the length predictor on \(workload.training.count) rows")
        let predictor = trainPredictor()
        let calibrated = policies.contains(where: \.needsCalibration)
            ? CalibratedLengthPredictor.train(examples: workload.training, forest: forest, upperLevel: uncertainty.upperLevel) : nil
        let samples = profilingSamples()
        var results: [SimulationMetrics] = []
        for rate in rates {
            let requests = workload.requests(count: requestsPerRate, rate: rate, maxNewTokens: maxNewTokens, seed: seed &+ UInt64(rate * 1000))
            for policy in policies {
                let label = "rate \(ServingReport.rate(rate)) req/s, \(policy)"
                var recorder: MetricsRecorder
                switch policy {
                case .continuous(let continuous, let oracle):
                    var model: UncertaintyModel?
                    if policy.needsCalibration {
                        model = UncertaintyModel(
                            calibration: calibrated!.calibration,
                            configuration: UncertaintyConfiguration(
                                riskTarget: uncertainty.riskTarget, groupingLevel: uncertainty.groupingLevel,
                                upperLevel: continuousLevel, capLevel: uncertainty.capLevel, continuationLevel: continuousLevel,
                                boundedGeneration: false))
                    }
                    let chosen: any LengthPredicting = oracle ? OracleLengthPredictor() : (calibrated?.base ?? predictor)
                    let configuration = SchedulerConfiguration(
                        policy: .magnus, wmaThreshold: wmaThreshold, kvTokenCapacity: profile.continuousCapacity.kvTokenSlots,
                        prefillMemory: profile.capabilities.prefill, continuous: continuous)
                    let scheduler = Scheduler(
                        configuration: configuration, predictor: chosen,
                        estimator: KNNBatchTimeEstimator(samples: samples, prior: profile.analyticPrior), uncertainty: model)
                    let cluster = (0..<workers).map {
                        SimulatedWorker(
                            id: WorkerID("gpu\($0)"), continuousEngine: SimulatedContinuousEngine(profile: profile, progressText: false),
                            staticFallback: SimulatedGPUEngine(profile: profile, seed: seed &+ UInt64($0)))
                    }
                    var simulator = ClusterSimulator(
                        scheduler: scheduler, workers: cluster, requests: requests, estimatorSamples: [],
                        estimatorRetrainInterval: nil)
                    recorder = simulator.run { done, total in progress("\(label): \(done)/\(total)") }
                case .scheduler, .uncertaintyAware:
                    let batching: BatchingPolicy
                    let chosen: any LengthPredicting
                    var model: UncertaintyModel?
                    switch policy {
                    case .scheduler(let base, let oracle):
                        batching = base
                        chosen = oracle ? OracleLengthPredictor() : predictor
                    case .uncertaintyAware(let base, let bounded):
                        batching = base
                        chosen = calibrated!.base
                        var settings = uncertainty
                        settings.boundedGeneration = bounded
                        model = UncertaintyModel(calibration: calibrated!.calibration, configuration: settings)
                    case .continuous:
                        preconditionFailure("handled above")
                    }
                    let configuration = SchedulerConfiguration(
                        policy: batching, wmaThreshold: wmaThreshold, kvTokenCapacity: profile.capabilities.kvTokenCapacity,
                        memoryCheckUsesUpperBound: memoryCheckUsesUpperBound,
                        // Beyond the paper, with the uncertainty model: the prefill's memory too.
                        prefillMemory: model != nil ? profile.capabilities.prefill : nil)
                    let scheduler = Scheduler(
                        configuration: configuration, predictor: chosen,
                        estimator: KNNBatchTimeEstimator(samples: samples, prior: profile.analyticPrior), uncertainty: model)
                    let cluster = (0..<workers).map {
                        SimulatedWorker(
                            id: WorkerID("gpu\($0)"),
                            engine: SimulatedGPUEngine(profile: profile, seed: seed &+ UInt64($0), jitterSigma: jitterSigma))
                    }
                    var simulator = ClusterSimulator(
                        scheduler: scheduler, workers: cluster, requests: requests, estimatorSamples: samples)
                    recorder = simulator.run { done, total in progress("\(label): \(done)/\(total)") }
                }
                results.append(recorder.metrics(policy: policy.description, offeredRate: rate, workers: workers))
            }
        }
        return results
    }
}

extension EngineProfile {
    /// The analytic batch-time prior matching this profile's cost model.
    public var analyticPrior: AnalyticBatchTimeModel {
        let prior = batchTimePrior
        return AnalyticBatchTimeModel(
            stepOverhead: prior.stepOverhead, kvReadPerToken: prior.kvReadPerToken, prefillPerToken: prior.prefillPerToken)
    }
}

/// Tables and plots of serving-benchmark results.
public enum ServingReport {
    /// A request rate as given: whole rates without decimals, others with all they have
    /// (0.25, not 0.3).
    public static func rate(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        return value == value.rounded() && abs(value) < 1e15 ? Format.fixed(value, 0) : "\(value)"
    }

    public static func table(_ results: [SimulationMetrics]) -> MarkdownTable {
        var table = MarkdownTable(header: [
            "rate", "policy", "done", "failed", "req/s", "sustained req/s", "mean s", "p50 s", "p95 s", "p99 s", "valid tok/s", "total tok/s",
            "OOM", "at prefill", "cont.", "mean β", "busy", "WMA (G)", "TTFT s", "preempted", "recomputed", "longest wait s",
        ])
        for r in results {
            table.add([
                rate(r.offeredRate), r.policy, String(r.completed), String(r.failed + r.rejected),
                Format.fixed(r.requestThroughput, 2), Format.fixed(r.sustainedThroughput, 2), Format.fixed(r.meanResponse, 1), Format.fixed(r.p50Response, 1),
                Format.fixed(r.p95Response, 1), Format.fixed(r.p99Response, 1), Format.fixed(r.validTokenThroughput, 0),
                Format.fixed(r.totalTokenThroughput, 0), String(r.oomEvents), String(r.prefillOOMEvents), String(r.continuations), Format.fixed(r.meanBatchSize, 1),
                Format.percent(r.busyFraction), Format.fixed(r.wastedMemoryAccess / 1e9, 2), Format.fixed(r.meanTimeToFirstToken, 2),
                Format.percent(r.preemptedShare), Format.percent(r.recomputedShare), Format.fixed(r.longestQueueWait, 1),
            ])
        }
        return table
    }

    /// Ratios of one policy against another at each rate (throughput and mean latency).
    public static func ratios(_ results: [SimulationMetrics], of policy: String, against baseline: String) -> MarkdownTable {
        var table = MarkdownTable(header: [
            "rate", "\(policy) / \(baseline) throughput", "sustained throughput ratio", "mean response change",
            "p99 response change",
        ])
        for rate in Set(results.map(\.offeredRate)).sorted() {
            guard let a = row(results, rate: rate, policy: policy), let b = row(results, rate: rate, policy: baseline)
            else { continue }
            table.add([
                Self.rate(rate), Format.fixed(a.requestThroughput / b.requestThroughput, 2) + "x",
                Format.fixed(a.sustainedThroughput / b.sustainedThroughput, 2) + "x",
                Format.percent(a.meanResponse / b.meanResponse - 1), Format.percent(a.p99Response / b.p99Response - 1),
            ])
        }
        return table
    }

    /// Length-aware continuous batching against each baseline at each rate: throughput
    /// (over the makespan and sustained while requests arrive), mean, p99 and first-token
    /// latency, and the longest queue wait, as ratios; preemptions as shares.
    public static func continuousRatios(_ results: [SimulationMetrics], of policy: String, against baselines: [String]) -> MarkdownTable {
        var table = MarkdownTable(header: [
            "rate", "\(policy) against", "throughput ×", "sustained ×", "mean latency ×", "p99 ×", "mean TTFT ×",
            "longest wait ×", "preempted (\(policy) / baseline)", "recomputed (\(policy) / baseline)",
        ])
        func ratio(_ a: Double, _ b: Double) -> String { b > 0 && a.isFinite && b.isFinite ? Format.fixed(a / b, 2) + "x" : "–" }
        for rate in Set(results.map(\.offeredRate)).sorted() {
            guard let a = row(results, rate: rate, policy: policy) else { continue }
            for baseline in baselines {
                guard let b = row(results, rate: rate, policy: baseline) else { continue }
                table.add([
                    Self.rate(rate), baseline, ratio(a.requestThroughput, b.requestThroughput),
                    ratio(a.sustainedThroughput, b.sustainedThroughput), ratio(a.meanResponse, b.meanResponse),
                    ratio(a.p99Response, b.p99Response), ratio(a.meanTimeToFirstToken, b.meanTimeToFirstToken),
                    ratio(a.longestQueueWait, b.longestQueueWait),
                    "\(Format.percent(a.preemptedShare)) / \(Format.percent(b.preemptedShare))",
                    "\(Format.percent(a.recomputedShare)) / \(Format.percent(b.recomputedShare))",
                ])
            }
        }
        return table
    }

    /// One policy's result at one rate.
    static func row(_ results: [SimulationMetrics], rate: Double, policy: String) -> SimulationMetrics? {
        results.first { $0.offeredRate == rate && $0.policy == policy }
    }

    /// Per rate and policy, the share of each application's completed requests within the
    /// upper bound predicted on submission (the calibrated P90 under Magnus-UA).
    public static func coverage(_ results: [SimulationMetrics]) -> MarkdownTable {
        let applications = Set(results.flatMap(\.upperBoundCoverage.keys)).sorted()
        var table = MarkdownTable(header: ["rate", "policy"] + applications)
        for r in results {
            table.add(
                [rate(r.offeredRate), r.policy]
                    + applications.map { r.upperBoundCoverage[$0].map { Format.percent($0) } ?? "–" })
        }
        return table
    }

    /// The same benchmark over several seeds: per rate and policy, the means and, against
    /// each baseline, the mean, lowest and highest of the per-seed throughput ratios.
    public static func seedSummary(_ runs: [[SimulationMetrics]], baselines: [String], latencyBaselines: [String] = []) -> MarkdownTable {
        var header = ["rate", "policy", "seeds", "req/s", "sustained req/s", "mean s", "p99 s", "TTFT s", "preempted", "OOM (all seeds)"]
        header += baselines.map { "× \($0) throughput" }
        header += latencyBaselines.map { "× \($0) mean latency" }
        var table = MarkdownTable(header: header)
        let first = runs.first ?? []
        for row in first {
            let matching = runs.compactMap { Self.row($0, rate: row.offeredRate, policy: row.policy) }
            func mean(_ value: (SimulationMetrics) -> Double) -> Double {
                matching.map(value).reduce(0, +) / Double(max(1, matching.count))
            }
            var cells = [
                rate(row.offeredRate), row.policy, String(matching.count), Format.fixed(mean(\.requestThroughput), 2),
                Format.fixed(mean(\.sustainedThroughput), 2), Format.fixed(mean(\.meanResponse), 1),
                Format.fixed(mean(\.p99Response), 1), Format.fixed(mean(\.meanTimeToFirstToken), 2), Format.percent(mean(\.preemptedShare)),
                String(matching.reduce(0) { $0 + $1.oomEvents }),
            ]
            let compared: [(String, (SimulationMetrics) -> Double)] =
                baselines.map { ($0, \.requestThroughput) } + latencyBaselines.map { ($0, \.meanResponse) }
            for (baseline, value) in compared {
                let ratios = runs.compactMap { run -> Double? in
                    guard let a = Self.row(run, rate: row.offeredRate, policy: row.policy),
                        let b = Self.row(run, rate: row.offeredRate, policy: baseline)
                    else { return nil }
                    return value(a) / value(b)
                }
                cells.append(
                    ratios.isEmpty
                        ? "–"
                        : "\(Format.fixed(ratios.reduce(0, +) / Double(ratios.count), 2))x [\(Format.fixed(ratios.min()!, 2)), \(Format.fixed(ratios.max()!, 2))]")
            }
            table.add(cells)
        }
        return table
    }

    public static func chart(_ results: [SimulationMetrics], title: String) -> SVGLineChart {
        let policies = results.reduce(into: [String]()) { if !$0.contains($1.policy) { $0.append($1.policy) } }
        func series(_ value: (SimulationMetrics) -> Double) -> [SVGLineChart.Series] {
            policies.map { policy in
                SVGLineChart.Series(
                    name: policy,
                    points: results.filter { $0.policy == policy }.map { (x: $0.offeredRate, y: value($0)) })
            }
        }
        // Rates spanning decades (a saturated queue beside rates near capacity) on a log axis.
        let rates = results.map(\.offeredRate).filter { $0 > 0 }
        let logX = (rates.max() ?? 1) >= 20 * (rates.min() ?? 1)
        let axis = logX ? "request rate (req/s, log)" : "request rate (req/s)"
        return SVGLineChart(title: title, panels: [
            .init(title: "Request throughput", xLabel: axis, yLabel: "completed req/s", series: series(\.requestThroughput), logX: logX),
            .init(title: "Mean response time", xLabel: axis, yLabel: "seconds (log)", series: series(\.meanResponse), logY: true, logX: logX),
            .init(title: "p99 response time", xLabel: axis, yLabel: "seconds (log)", series: series(\.p99Response), logY: true, logX: logX),
        ])
    }
}
