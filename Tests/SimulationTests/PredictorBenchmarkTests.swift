import Coordinator
import Shared
import Testing

@testable import Simulation

/// The predictor benchmark's split by input and its interval coverage.
@Suite struct PredictorBenchmarkTests {
    static func record(_ input: String, model: String? = nil) -> TaskRecord {
        TaskRecord(task: "llm_chat", input: input, reference: "answer", model: model)
    }

    @Test func splitByInputKeepsEveryAnswerOfAPromptOnOneSide() {
        // Four prompts answered by three models, in a shuffled order.
        let order = [2, 0, 1, 2, 3, 0, 1, 3, 2, 0, 3, 1]
        let records = order.enumerated().map { Self.record("prompt \($0.element)", model: "m\($0.offset % 3)") }
        let split = TaskDataset.split(records, trainCount: 5, groupedBy: \.input)
        // Prompts in order of first appearance: 2, 0, … ; 3 rows, then 6 ≥ 5 → prompts 2 and 0.
        #expect(Set(split.train.map(\.input)) == ["prompt 2", "prompt 0"])
        #expect(split.train.count == 6 && split.workload.count == 6)
        #expect(Set(split.train.map(\.input)).isDisjoint(with: Set(split.workload.map(\.input))))
        // Each side keeps the shuffled order.
        #expect(split.train == records.filter { $0.input == "prompt 2" || $0.input == "prompt 0" })
    }

    @Test func splitByInputIsTheRowSplitWhenInputsAreUnique() {
        let records = (0..<10).map { Self.record("prompt \($0)") }
        let split = TaskDataset.split(records, trainCount: 7, groupedBy: \.input)
        #expect(split.train == Array(records.prefix(7)))
        #expect(split.workload == Array(records.dropFirst(7)))
    }

    @Test func coverageCountsALengthAtItsBoundAsCovered() {
        let c = IntervalCoverage(actual: [5, 10, 20, 40], median: [5, 8, 20, 30], upper: [10, 10, 25, 30])
        #expect(c.count == 4)
        #expect(c.medianCoverage == 0.5)  // 5 ≤ 5 and 20 ≤ 20
        #expect(c.upperCoverage == 0.75)  // all but 40
        #expect(abs(c.meanWidthRatio - (2 + 1.25 + 1.25 + 1) / 4) < 1e-12)
        #expect(c.upperIsCalibrated(level: 0.9, tolerance: 0.16) && !c.upperIsCalibrated(level: 0.9, tolerance: 0.1))
        #expect(IntervalCoverage(actual: [], median: [], upper: []).upperCoverage.isNaN)
    }

    @Test func intervalMethodsCalibrateOnHeldOutRows() {
        typealias View = PredictorBenchmark.ForestView
        // 100 calibration rows: trees agree on 10 tokens (σ = 1 token), actual 1 … 100.
        let calibration = (1...100).map { View(application: "a", actual: $0, trees: [9, 10, 11]) }
        #expect(abs(calibration[0].mean - 10) < 1e-12 && abs(calibration[0].sigma - 1) < 1e-12)
        let row = View(application: "a", actual: 50, trees: [9, 10, 11])
        // Ratios 0.1 … 10: P50 = 5.1, P90 = 9.1 → 51 and 91 tokens at scale 10.
        let whole = PredictorBenchmark.bounds(.conformalRatioWhole, calibration: calibration, levels: (0.5, 0.9))(row)
        #expect(whole.median == 51 && whole.upper == 91)
        // Residuals −9 … 90 (σ = 1): P90 = 81 → 10 + 81.
        let normalized = PredictorBenchmark.bounds(.normalizedResidual, calibration: calibration, levels: (0.5, 0.9))(row)
        #expect(normalized.median == 51 && normalized.upper == 91)
        // The trees' own spread ignores the calibration rows.
        let spread = PredictorBenchmark.bounds(.treeSpread, calibration: calibration, levels: (0.5, 0.9))(row)
        #expect(spread.median == 10 && spread.upper == 11)
    }
}
