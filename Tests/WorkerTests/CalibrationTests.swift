import Shared
import Testing
import Worker

/// The paper's motivating example on one V100-32GB with ChatGLM-6B (docs/engine.md,
/// "Calibration"). Assumed mix: 21 requests, 3 large (1,000 prompt and 1,000 generated
/// tokens) and 18 small (10 and 10), arriving so that every FCFS batch of 7 holds one large.
@Suite("Calibration against the motivating example")
struct CalibrationTests {
    let engine = SimulatedGPUEngine(profile: .v100ChatGLM6B)

    static func large(_ index: Int) -> EngineRequest {
        TestSupport.request("large\(index)", input: 1000, output: 1000, maxNewTokens: 2048)
    }

    static func small(_ index: Int) -> EngineRequest {
        TestSupport.request("small\(index)", input: 10, output: 10, maxNewTokens: 2048)
    }

    /// Arrival order: L S S S S S S L S S S S S S L S S S S S S.
    static var arrivals: [EngineRequest] {
        var requests: [EngineRequest] = []
        var smallIndex = 0
        for position in 0..<21 {
            if position % 7 == 0 {
                requests.append(large(position / 7))
            } else {
                requests.append(small(smallIndex))
                smallIndex += 1
            }
        }
        return requests
    }

    func total(_ batches: [[EngineRequest]]) throws -> Double {
        var seconds = 0.0
        for batch in batches {
            let run = try engine.run(batch)
            guard case .completed = run.outcome else {
                Issue.record("batch of \(batch.count) did not complete: \(run.outcome)")
                return .nan
            }
            seconds += run.duration
        }
        return seconds
    }

    @Test("FCFS with batch size 7 takes 242 s (within 0.1 %)")
    func fcfs() throws {
        let requests = Self.arrivals
        let batches = stride(from: 0, to: requests.count, by: 7).map { Array(requests[$0..<min($0 + 7, requests.count)]) }
        #expect(batches.count == 3)
        #expect(batches.allSatisfy { batch in batch.filter { $0.inputTokens == 1000 }.count == 1 })
        let seconds = try total(batches)
        #expect(abs(seconds - 242) / 242 < 0.001, "FCFS total \(seconds) s")
    }

    @Test("Grouping into 18 small and 3 large takes 60 s (within 0.1 %)")
    func grouped() throws {
        let requests = Self.arrivals
        let smalls = requests.filter { $0.inputTokens == 10 }
        let larges = requests.filter { $0.inputTokens == 1000 }
        #expect(smalls.count == 18 && larges.count == 3)
        let seconds = try total([smalls, larges])
        #expect(abs(seconds - 60) / 60 < 0.001, "grouped total \(seconds) s")
    }

    @Test("Single-stream decoding agrees with a public V100 measurement within 10 %")
    func singleStream() {
        // ChatGLM-6B, fp16, transformers 4.30.2, V100, batch 1, 50-token cache: 47.96 ms/token.
        let step = engine.stepTime(batchSize: 1, paddedInput: 50, generated: 1)
        #expect(abs(step - 0.04796) / 0.04796 < 0.10, "single-stream step \(step) s")
    }
}
