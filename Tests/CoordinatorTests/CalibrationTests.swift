import Shared
import Testing

@testable import Coordinator

/// Whole-token calibrated bounds, the calibration split and per-model applications.
@Suite struct CalibrationTests {
    /// Rows whose length is the scale times a uniform factor in [0.5, 1.5], rounded to a
    /// whole token: short outputs, where one token is a large share of the length.
    static func rows(_ count: Int, generator: inout SplitMix64) -> [(application: String, scale: Double, actual: Int)] {
        func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        return (0..<count).map { _ in
            let scale = 2 + 4 * uniform()
            return ("a", scale, max(1, Int((scale * (0.5 + uniform())).rounded())))
        }
    }

    @Test func wholeTokenBoundRoundsDownWithATolerance() {
        // Ratios 0.1 … 10.0; the 0.9 quantile is 9.1 (rank ceil(101 · 0.9) − 1 = 90).
        let c = LengthCalibration.fit((1...100).map { (application: "a", scale: 10.0, actual: $0) })
        #expect(c.bound(0.9, application: "a", scale: 10) == 91)  // 10 × 9.1, not 90 after a rounding error
        #expect(c.bound(0.9, application: "a", scale: 3.3) == 30)  // 30.03 → 30
        #expect(c.bound(0.5, application: "a", scale: 0.01) == 1)  // never below one token
    }

    @Test func wholeTokenBoundKeepsTheLevelWhereRoundingUpOvershoots() {
        var generator = SplitMix64(seed: 7)
        let calibration = LengthCalibration.fit(Self.rows(2_000, generator: &generator))
        let test = Self.rows(5_000, generator: &generator)
        let whole = test.filter { $0.actual <= calibration.bound(0.9, application: "a", scale: $0.scale) }.count
        let roundedUp = test.filter {
            Double($0.actual) <= ($0.scale * calibration.quantile(0.9, application: "a")).rounded(.up)
        }.count
        #expect(abs(Double(whole) / 5_000 - 0.9) < 0.04)
        #expect(Double(roundedUp) / 5_000 > 0.97)
    }

    @Test func calibrationSplitHoldsOutWholeInputs() {
        func example(_ input: String, _ length: Int) -> LengthExample {
            LengthExample(application: "chat", instruction: "Answer:", input: input, inputTokens: 3, generatedTokens: length)
        }
        // Unique inputs: every 5th example.
        let unique = (0..<20).map { example("p\($0)", $0 + 1) }
        let (training, held) = CalibratedLengthPredictor.split(unique, calibrationFraction: 0.2)
        #expect(held.map(\.input) == ["p0", "p5", "p10", "p15"])
        #expect(training.count == 16)
        // Three answers per prompt, interleaved: a prompt is on one side only.
        let repeated = (0..<3).flatMap { answer in (0..<10).map { example("p\($0)", 10 * answer + $0 + 1) } }
        let split = CalibratedLengthPredictor.split(repeated, calibrationFraction: 0.2)
        #expect(Set(split.calibration.map(\.input)) == ["p0", "p5"])
        #expect(split.calibration.count == 6)
        #expect(Set(split.training.map(\.input)).isDisjoint(with: Set(split.calibration.map(\.input))))
    }

    @Test func answeringModelBecomesPartOfTheApplication() {
        let counter = HeuristicTokenCounter()
        let record = TaskRecord(task: "llm_chat", input: "Name three rivers.", reference: "Nile, Amazon, Yangtze.", model: "gpt4_0613")
        let plain = LengthExample(record: record, counter: counter)
        let aware = LengthExample(record: record, counter: counter, identifyingModel: true)
        #expect(plain.application == "llm_chat")
        #expect(plain.instruction == Application.forTask("llm_chat").instruction)
        #expect(aware.application == "llm_chat@gpt4_0613")
        #expect(aware.instruction.contains("gpt4_0613") && aware.instruction != plain.instruction)
        #expect(aware.generatedTokens == plain.generatedTokens)
        #expect(Application.task(ofApplication: aware.application) == "llm_chat")
        #expect(Application.task(ofApplication: "gec") == "gec")
        // Records without a model keep their task's application.
        let gec = TaskRecord(task: "gec", input: "He go .", reference: "He goes .")
        #expect(LengthExample(record: gec, counter: counter, identifyingModel: true).application == "gec")
    }
}
