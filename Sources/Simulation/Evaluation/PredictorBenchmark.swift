import Coordinator
import Shared

/// A way to train a length regressor, so the benchmark can compare the Swift forest with
/// other implementations (XGBoost) side by side.
public struct RegressorCandidate: Sendable {
    public var name: String
    public var featureSet: LengthFeatureSet
    /// Whether it sees the answering model as part of the application (`llm_chat@<model>`,
    /// `Application.forRecord`); the other tasks are unaffected.
    public var identifiesModel: Bool
    public var train: @Sendable (_ rows: [[Double]], _ targets: [Double]) throws -> any LengthRegressor

    public init(
        name: String, featureSet: LengthFeatureSet, identifiesModel: Bool = false,
        train: @escaping @Sendable (_ rows: [[Double]], _ targets: [Double]) throws -> any LengthRegressor
    ) {
        self.name = name
        self.featureSet = featureSet
        self.identifiesModel = identifiesModel
        self.train = train
    }

    /// The same candidate with the answering model in the application.
    public func identifyingModel() -> RegressorCandidate {
        var copy = self
        copy.identifiesModel = true
        copy.name = name.hasSuffix(")") ? String(name.dropLast()) + ", model-aware)" : name + " (model-aware)"
        return copy
    }

    /// The Swift random forest trained on log(1 + G), predicting the median length.
    public static func logTargetForest(
        _ featureSet: LengthFeatureSet, configuration: RandomForestConfiguration = .init()
    ) -> RegressorCandidate {
        RegressorCandidate(name: "log-forest (\(featureSet.rawValue))", featureSet: featureSet) { rows, targets in
            LogTargetForest.train(rows: rows, targets: targets, configuration: configuration)
        }
    }

    /// The project's Swift random forest on a feature set.
    public static func swiftForest(
        _ featureSet: LengthFeatureSet, configuration: RandomForestConfiguration = .init()
    ) -> RegressorCandidate {
        RegressorCandidate(name: "forest (\(featureSet.rawValue))", featureSet: featureSet) { rows, targets in
            RandomForestTrainer(configuration: configuration).train(rows: rows, targets: targets)
        }
    }
}

/// Measures generation-length prediction on real task data: accuracy per task and overall
/// for every candidate and two baselines (per-task mean, per-task length-only linear
/// regression), prediction latency, training time, and the coverage of calibrated length
/// intervals (`PredictorBenchmark+Intervals.swift`).
///
/// Rows with the same input stay on one side of every split (open chat: 12 models answered
/// each of its 805 prompts), so no prompt is both trained and tested on.
public struct PredictorBenchmark: Sendable {
    public var dataDirectory: String
    public var tasks: [String]
    public var perTask: Int?
    public var trainFraction: Double
    public var seed: UInt64
    public var candidates: [RegressorCandidate]
    public var counter: HeuristicTokenCounter
    /// Rows for the training-time measurement.
    public var trainingTimeRows: Int
    /// What the interval-coverage measurement calibrates; nil skips it.
    public var intervals: IntervalSettings?

    public init(
        dataDirectory: String, tasks: [String] = Application.paperTasks, perTask: Int? = 10_000,
        trainFraction: Double = 0.75, seed: UInt64 = 1,
        candidates: [RegressorCandidate] = LengthFeatureSet.allCases.map { RegressorCandidate.swiftForest($0) },
        counter: HeuristicTokenCounter = HeuristicTokenCounter(), trainingTimeRows: Int = 20_000,
        intervals: IntervalSettings? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.tasks = tasks
        self.perTask = perTask
        self.trainFraction = trainFraction
        self.seed = seed
        self.candidates = candidates
        self.counter = counter
        self.trainingTimeRows = trainingTimeRows
        self.intervals = intervals
    }

    /// One method's accuracy per task and overall.
    public struct MethodResult: Sendable {
        public var name: String
        public var perTask: [String: RegressionMetrics]
        public var overall: RegressionMetrics
        public var trainingSeconds: Double
    }

    /// Everything the benchmark measured.
    public struct Report: Sendable {
        public var tasks: [String]
        public var trainRows: Int
        public var testRows: Int
        public var methods: [MethodResult]
        /// Per-request featurize + predict latency of the first candidate, in microseconds.
        public var predictLatencyP50: Double
        public var predictLatencyP99: Double
        /// The featurization part of it.
        public var featurizeLatencyP50: Double
        public var featurizeLatencyP99: Double
        public var trainingTimeRows: Int
        /// Seconds to train each candidate on `trainingTimeRows` rows.
        public var trainingTimes: [(String, Double)]
        /// Coverage of each interval method, when measured.
        public var intervals: [IntervalResult]
        public var intervalSettings: IntervalSettings?
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> Report {
        let dataset = try TaskDataset.load(
            directory: dataDirectory, tasks: tasks, perTask: perTask, trainFraction: trainFraction, seed: seed,
            keepingInputsTogether: true)
        /// Examples without and with the answering model in the application.
        func examples(_ records: [TaskRecord]) -> [Bool: [LengthExample]] {
            [
                false: records.map { LengthExample(record: $0, counter: counter) },
                true: records.map { LengthExample(record: $0, counter: counter, identifyingModel: true) },
            ]
        }
        let trainSets = examples(dataset.allTraining), testSets = examples(dataset.allWorkload)
        let train = trainSets[false]!, test = testSets[false]!
        progress("loaded \(train.count) training and \(test.count) test rows from \(tasks.count) tasks")
        let actual = test.map { Double($0.generatedTokens) }
        let testIndices = Dictionary(grouping: test.indices) { test[$0].application }
        var methods: [MethodResult] = []

        func evaluate(_ name: String, seconds: Double, _ predicted: [Double]) {
            var perTask: [String: RegressionMetrics] = [:]
            for task in tasks {
                let indices = testIndices[task] ?? []
                perTask[task] = RegressionMetrics(actual: indices.map { actual[$0] }, predicted: indices.map { predicted[$0] })
            }
            methods.append(
                MethodResult(
                    name: name, perTask: perTask, overall: RegressionMetrics(actual: actual, predicted: predicted),
                    trainingSeconds: seconds))
            progress("evaluated \(name)")
        }

        // Baselines.
        var means: [String: Double] = [:]
        var lines: [String: SimpleLinearRegression] = [:]
        for task in tasks {
            let rows = train.filter { $0.application == task }
            means[task] = rows.reduce(0.0) { $0 + Double($1.generatedTokens) } / Double(max(rows.count, 1))
            lines[task] = SimpleLinearRegression(
                x: rows.map { Double($0.inputTokens) }, y: rows.map { Double($0.generatedTokens) })
        }
        evaluate("per-task mean", seconds: 0, test.map { means[$0.application] ?? 0 })
        evaluate(
            "per-task linear (length only)", seconds: 0,
            test.map { max(1, lines[$0.application]?.predict(Double($0.inputTokens)) ?? 0) })
        if candidates.contains(where: \.identifiesModel) {
            // What the answering model alone tells: the mean length of each (task, model).
            var sums: [String: (total: Double, count: Double)] = [:]
            for example in trainSets[true]! {
                sums[example.application, default: (0, 0)].total += Double(example.generatedTokens)
                sums[example.application, default: (0, 0)].count += 1
            }
            evaluate(
                "per-task mean (model-aware)", seconds: 0,
                testSets[true]!.map { example in sums[example.application].map { $0.total / $0.count } ?? means[example.application] ?? 0 })
        }

        // Candidates.
        var latencies: [Double] = []
        var featurizeLatencies: [Double] = []
        var trainingTimes: [(String, Double)] = []
        let clock = ContinuousClock()
        for (candidateIndex, candidate) in candidates.enumerated() {
            let train = trainSets[candidate.identifiesModel]!, test = testSets[candidate.identifiesModel]!
            var extractor = LengthFeatureExtractor(featureSet: candidate.featureSet, tokenCounter: counter)
            extractor.warm(instructions: Set(train.map(\.instruction)))
            let rows = train.map { extractor.features(instruction: $0.instruction, input: $0.input, inputTokens: $0.inputTokens) }
            let targets = train.map { Double($0.generatedTokens) }
            var regressor: (any LengthRegressor)?
            let trainTime = try clock.measure { regressor = try candidate.train(rows, targets) }
            let model = regressor!
            var predicted: [Double] = []
            predicted.reserveCapacity(test.count)
            for example in test {
                let start = clock.now
                let features = extractor.features(instruction: example.instruction, input: example.input, inputTokens: example.inputTokens)
                let middle = clock.now
                let value = model.predict(features, upperQuantile: 0.9).point
                if candidateIndex == 0 {
                    let end = clock.now
                    latencies.append(Self.seconds(start.duration(to: end)) * 1e6)
                    featurizeLatencies.append(Self.seconds(start.duration(to: middle)) * 1e6)
                }
                predicted.append(value)
            }
            evaluate(candidate.name, seconds: Self.seconds(trainTime), predicted)

            // Training time at a fixed row count.
            let count = min(trainingTimeRows, rows.count)
            var generator = SplitMix64(seed: seed)
            var order = Array(rows.indices)
            TaskDataset.shuffle(&order, using: &generator)
            let subset = order.prefix(count)
            let subsetRows = subset.map { rows[$0] }, subsetTargets = subset.map { targets[$0] }
            let fixedTime = try clock.measure { _ = try candidate.train(subsetRows, subsetTargets) }
            trainingTimes.append((candidate.name, Self.seconds(fixedTime)))
            progress("trained \(candidate.name) on \(count) rows in \(Format.fixed(Self.seconds(fixedTime), 2)) s")
        }
        var intervalResults: [IntervalResult] = []
        if let intervals {
            intervalResults = measureIntervals(
                intervals, train: trainSets[intervals.identifiesModel]!, test: testSets[intervals.identifiesModel]!,
                progress: progress)
        }
        return Report(
            tasks: tasks, trainRows: train.count, testRows: test.count, methods: methods,
            predictLatencyP50: Percentile.of(latencies, 0.5), predictLatencyP99: Percentile.of(latencies, 0.99),
            featurizeLatencyP50: Percentile.of(featurizeLatencies, 0.5),
            featurizeLatencyP99: Percentile.of(featurizeLatencies, 0.99),
            trainingTimeRows: min(trainingTimeRows, train.count), trainingTimes: trainingTimes,
            intervals: intervalResults, intervalSettings: intervals)
    }

    static func seconds(_ duration: Duration) -> Double { duration.inSeconds }
}

extension PredictorBenchmark.Report {
    /// Overall accuracy of every method.
    public var overallTable: MarkdownTable {
        var table = MarkdownTable(header: ["method", "MAE", "RMSE", "R²", "within max(10, 10 %)", "bias", "train s"])
        for method in methods {
            let m = method.overall
            table.add([
                method.name, Format.fixed(m.meanAbsoluteError, 1), Format.fixed(m.rootMeanSquaredError, 1),
                Format.fixed(m.rSquared, 3), Format.percent(m.withinTolerance), Format.fixed(m.bias, 1),
                Format.fixed(method.trainingSeconds, 2),
            ])
        }
        return table
    }

    /// MAE per task (rows) and method (columns), with R² for the last method.
    public var perTaskTable: MarkdownTable {
        var table = MarkdownTable(header: ["task", "n"] + methods.map { "MAE \($0.name)" } + ["R² \(methods.last?.name ?? "")"])
        for task in tasks {
            let n = methods.first?.perTask[task]?.count ?? 0
            var row = [task, String(n)]
            row += methods.map { Format.fixed($0.perTask[task]?.meanAbsoluteError ?? .nan, 1) }
            row.append(Format.fixed(methods.last?.perTask[task]?.rSquared ?? .nan, 3))
            table.add(row)
        }
        return table
    }

    /// The MAE reduction of each candidate against the length-only linear baseline.
    public func maeReduction(of name: String) -> Double? {
        guard let baseline = methods.first(where: { $0.name == "per-task linear (length only)" })?.overall.meanAbsoluteError,
            let method = methods.first(where: { $0.name == name })?.overall.meanAbsoluteError
        else { return nil }
        return 1 - method / baseline
    }

    public var markdown: String {
        var text = "Rows: \(trainRows) training, \(testRows) test.\n\n"
        text += overallTable.markdown + "\n\n" + perTaskTable.markdown + "\n\n"
        for method in methods.dropFirst(2) {
            if let reduction = maeReduction(of: method.name) {
                text += "- \(method.name): MAE \(Format.percent(reduction)) below length-only regression\n"
            }
        }
        text += "- predict latency (featurize + forest, \(trainingTimes.first?.0 ?? "")): "
        text += "p50 \(Format.fixed(predictLatencyP50, 1)) µs, p99 \(Format.fixed(predictLatencyP99, 1)) µs "
        text += "(featurize alone: p50 \(Format.fixed(featurizeLatencyP50, 1)) µs, p99 \(Format.fixed(featurizeLatencyP99, 1)) µs)\n"
        for (name, seconds) in trainingTimes {
            text += "- training \(name) on \(trainingTimeRows) rows: \(Format.fixed(seconds, 2)) s\n"
        }
        if let settings = intervalSettings, !intervals.isEmpty {
            text += "\nInterval coverage on the test rows: forest (\(settings.featureSet.rawValue)"
            text += settings.identifiesModel ? ", model-aware)" : ")"
            text += ", calibrated on \(Format.percent(settings.calibrationFraction)) of the training inputs held out; "
            text += "a bound covers a request when its length is at most the bound.\n\n"
            text += intervalTable.markdown + "\n"
        }
        return text
    }
}
