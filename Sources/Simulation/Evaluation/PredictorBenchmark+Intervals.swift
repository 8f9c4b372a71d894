import Coordinator
import Shared

extension PredictorBenchmark {
    /// What the interval-coverage measurement trains and calibrates: a mean forest (the
    /// production predictor) on part of the training rows, calibrated on the rest as
    /// `CalibratedLengthPredictor.train` does, judged on the test rows.
    public struct IntervalSettings: Sendable {
        public var featureSet: LengthFeatureSet
        /// Whether applications include the answering model (`llm_chat@<model>`), so the
        /// calibration is per model there.
        public var identifiesModel: Bool
        public var forest: RandomForestConfiguration
        public var calibrationFraction: Double
        /// The upper bound's level (the scheduler's default: P90).
        public var upperLevel: Double

        public init(
            featureSet: LengthFeatureSet = .extended, identifiesModel: Bool = false, forest: RandomForestConfiguration = .init(),
            calibrationFraction: Double = 0.2, upperLevel: Double = 0.9
        ) {
            self.featureSet = featureSet
            self.identifiesModel = identifiesModel
            self.forest = forest
            self.calibrationFraction = calibrationFraction
            self.upperLevel = upperLevel
        }
    }

    /// A way to turn the forest's output into a median and an upper bound.
    public enum IntervalMethod: String, Sendable, CaseIterable {
        /// Split conformal on actual / predicted per application (`LengthCalibration`, what
        /// the scheduler uses), bound rounded up to a whole token as the scheduler rounds it.
        case conformalRatio = "conformal ratio, rounded up"
        /// The same calibration with the whole-token bound that keeps its guarantee
        /// (`LengthCalibration.bound`: rounded down).
        case conformalRatioWhole = "conformal ratio, whole-token bound"
        /// Quantiles of the trees' predictions, uncalibrated (`RandomForest.predictWithSpread`),
        /// rounded up as `ForestLengthPredictor` rounds them.
        case treeSpread = "tree spread"
        /// Split conformal per application on (actual − mean) / σ, σ = the standard deviation
        /// across trees (at least one token): intervals that widen where the trees disagree.
        /// Whole-token bound rounded down, as `LengthCalibration.bound`.
        case normalizedResidual = "conformal normalized residual"
    }

    /// One method's coverage per task and overall.
    public struct IntervalResult: Sendable {
        public var method: IntervalMethod
        public var perTask: [String: IntervalCoverage]
        public var overall: IntervalCoverage
    }

    /// A held-out or test row as the forest sees it.
    struct ForestView {
        var application: String
        var actual: Int
        /// The trees' predictions, sorted.
        var trees: [Double]
        var mean: Double
        /// Spread across trees: their standard deviation, at least one token.
        var sigma: Double

        init(application: String, actual: Int, trees: [Double]) {
            self.application = application
            self.actual = actual
            self.trees = trees
            let mean = trees.reduce(0, +) / Double(max(trees.count, 1))
            let variance = trees.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(trees.count, 1))
            self.mean = mean
            sigma = max(1, variance.squareRoot())
        }

        /// The scale `ForestLengthPredictor` reports and ratios are relative to.
        var scale: Double { max(mean, 1) }
    }

    /// Trains the interval forest, calibrates every method on the held-out rows and
    /// measures coverage on the test rows.
    /// - Complexity: one forest training plus O((held + test) × trees × depth).
    func measureIntervals(
        _ settings: IntervalSettings, train: [LengthExample], test: [LengthExample], progress: (String) -> Void
    ) -> [IntervalResult] {
        let (fit, held) = CalibratedLengthPredictor.split(train, calibrationFraction: settings.calibrationFraction)
        let predictor = ForestLengthPredictor.train(
            examples: fit, extractor: LengthFeatureExtractor(featureSet: settings.featureSet, tokenCounter: counter),
            forest: settings.forest)
        guard let forest = predictor.regressor as? RandomForest else { return [] }
        func view(_ example: LengthExample) -> ForestView {
            let features = predictor.extractor.features(
                instruction: example.instruction, input: example.input, inputTokens: example.inputTokens)
            return ForestView(application: example.application, actual: example.generatedTokens, trees: forest.treePredictions(features))
        }
        let calibration = held.map(view), evaluation = test.map(view)
        progress("interval forest trained on \(fit.count) rows, calibrated on \(calibration.count)")
        return IntervalMethod.allCases.map { method in
            let bound = Self.bounds(method, calibration: calibration, levels: (0.5, settings.upperLevel))
            let bounds = evaluation.map(bound)
            func coverage(_ indices: [Int]) -> IntervalCoverage {
                IntervalCoverage(
                    actual: indices.map { evaluation[$0].actual }, median: indices.map { bounds[$0].median },
                    upper: indices.map { bounds[$0].upper })
            }
            let byTask = Dictionary(grouping: evaluation.indices) { Application.task(ofApplication: evaluation[$0].application) }
            progress("calibrated intervals: \(method.rawValue)")
            return IntervalResult(
                method: method, perTask: byTask.mapValues(coverage), overall: coverage(Array(evaluation.indices)))
        }
    }

    /// The bounds of one method, calibrated on `calibration`, as a function of a row.
    static func bounds(
        _ method: IntervalMethod, calibration: [ForestView], levels: (median: Double, upper: Double)
    ) -> (ForestView) -> (median: Int, upper: Int) {
        func tokens(_ value: Double) -> Int { max(1, Int(value.rounded(.up))) }
        switch method {
        case .conformalRatio, .conformalRatioWhole:
            let fitted = LengthCalibration.fit(calibration.map { ($0.application, $0.scale, $0.actual) })
            if method == .conformalRatioWhole {
                return { row in
                    (
                        fitted.bound(levels.median, application: row.application, scale: row.scale),
                        fitted.bound(levels.upper, application: row.application, scale: row.scale)
                    )
                }
            }
            return { row in
                (
                    tokens(row.scale * fitted.quantile(levels.median, application: row.application)),
                    tokens(row.scale * fitted.quantile(levels.upper, application: row.application))
                )
            }
        case .treeSpread:
            return { row in
                (tokens(RandomForest.quantile(ofSorted: row.trees, levels.median)), tokens(RandomForest.quantile(ofSorted: row.trees, levels.upper)))
            }
        case .normalizedResidual:
            // The conformal ranks of LengthCalibration, over normalized residuals.
            let scores = Dictionary(grouping: calibration, by: \.application).mapValues { rows in
                rows.map { (Double($0.actual) - $0.mean) / $0.sigma }
            }
            let fitted = LengthCalibration(
                ratios: scores.filter { $0.value.count >= 50 }, global: scores.values.flatMap { $0 })
            return { row in
                (
                    LengthCalibration.wholeTokens(atMost: row.mean + row.sigma * fitted.quantile(levels.median, application: row.application)),
                    LengthCalibration.wholeTokens(atMost: row.mean + row.sigma * fitted.quantile(levels.upper, application: row.application))
                )
            }
        }
    }
}

extension PredictorBenchmark.Report {
    /// P50 and P90 coverage and interval width per task (rows) and interval method.
    public var intervalTable: MarkdownTable {
        let upper = Format.fixed((intervalSettings?.upperLevel ?? 0.9) * 100, 0)
        var header = ["task", "n"]
        for result in intervals {
            header += ["\(result.method.rawValue): P50 cov", "P\(upper) cov", "P\(upper)/P50"]
        }
        var table = MarkdownTable(header: header)
        for task in tasks + ["all"] {
            let n = (task == "all" ? intervals.first?.overall : intervals.first?.perTask[task])?.count ?? 0
            var row = [task, String(n)]
            for result in intervals {
                let c = task == "all" ? result.overall : result.perTask[task]
                row += [
                    c.map { Format.percent($0.medianCoverage) } ?? "–", c.map { Format.percent($0.upperCoverage) } ?? "–",
                    c.map { Format.fixed($0.meanWidthRatio, 2) } ?? "–",
                ]
            }
            table.add(row)
        }
        return table
    }
}
