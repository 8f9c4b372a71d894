import Shared
import Testing
import Worker

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Simulated GPU engine")
struct EngineTests {
    let engine = SimulatedGPUEngine(profile: .v100ChatGLM6B)

    @Test("Generated counts follow the reference length, capped by maxNewTokens")
    func generatedCounts() throws {
        let batch = [
            TestSupport.request("a", input: 20, output: 500, maxNewTokens: 100),
            TestSupport.request("b", input: 20, output: 30, maxNewTokens: 100),
            TestSupport.request("c", input: 20, output: 0, maxNewTokens: 100),
            TestSupport.request("d", input: 20, output: 50, maxNewTokens: 0),
        ]
        let run = try engine.run(batch)
        guard case let .completed(outputs) = run.outcome else {
            Issue.record("expected completion")
            return
        }
        #expect(outputs.map(\.id) == batch.map(\.id))
        #expect(outputs.map(\.generatedTokens) == [100, 30, 1, 0])
        #expect(outputs.map(\.inputTokensSeen) == [20, 20, 20, 20])
        // A row stopped at its limit before its natural end is unfinished (it would continue).
        #expect(outputs.map(\.finished) == [false, true, true, false])
        // The batch runs as long as its longest (capped) row.
        let expected = engine.predictRun(batchSize: 4, paddedInput: 20, generatedMax: 100).duration
        #expect(TestSupport.close(run.duration, expected))
    }

    @Test("Placeholder text counts as many tokens as were generated")
    func placeholderText() throws {
        let run = try engine.run([TestSupport.request("t", input: 5, output: 37), TestSupport.request("u", input: 5, output: 1)])
        guard case let .completed(outputs) = run.outcome else {
            Issue.record("expected completion")
            return
        }
        let counter = HeuristicTokenCounter()
        for output in outputs {
            #expect(counter.count(output.text) == output.generatedTokens)
        }
        #expect(outputs[0].text.count > 37 * 2)
    }

    @Test("Default generation length: deterministic, tied to input length, capped")
    func defaultLength() {
        let prompt = "Translate into Chinese: the weather is nice today."
        let first = SimulatedGPUEngine.defaultOutputTokens(prompt: prompt, inputTokens: 200)
        #expect(first == SimulatedGPUEngine.defaultOutputTokens(prompt: prompt, inputTokens: 200))
        #expect(first >= 100 && first < 300)
        #expect(SimulatedGPUEngine.defaultOutputTokens(prompt: prompt, inputTokens: 0) == 1)
        let request = TestSupport.request("x", input: 200, output: nil, maxNewTokens: 50, prompt: prompt)
        #expect(engine.generatedTokens(for: request) == min(first, 50))
        let lengths = (0..<200).map { SimulatedGPUEngine.defaultOutputTokens(prompt: "p\($0)", inputTokens: 1000) }
        #expect(lengths.min()! >= 500 && lengths.max()! < 1500)
        #expect(Set(lengths).count > 100)
    }

    @Test("Padding costs more than the same rows unpadded")
    func paddingCosts() throws {
        let profile = engine.profile
        let short = TestSupport.request("s", input: 10, output: 50)
        let long = TestSupport.request("l", input: 1000, output: 50)
        let padded = try engine.run([short, long]).duration
        // Unpadded: each row's cache holds only its own prompt, Σ_p (L_p + g) instead of
        // β (L(B) + g); give the unpadded batch the same prefill.
        var unpadded = profile.prefillSeconds(batchSize: 2, paddedInput: 1000)
        for g in 1..<50 {
            unpadded += profile.stepOverheadSeconds + profile.weightStreamSeconds
                + Double(10 + g + 1000 + g) * profile.kvSecondsPerToken
        }
        #expect(padded > unpadded)
        // And a short row rides along for the whole batch: co-batched with a long generation the
        // batch runs the long one's steps.
        let shortAlone = try engine.run([TestSupport.request("s2", input: 10, output: 10)]).duration
        let mixed = try engine.run([
            TestSupport.request("s3", input: 10, output: 10), TestSupport.request("l3", input: 10, output: 500),
        ]).duration
        #expect(mixed > 40 * shortAlone)
    }

    @Test("Same seed, same batch: same duration; jitter is seeded by the batch's ids")
    func determinism() throws {
        let batch = (0..<5).map { TestSupport.request("q\($0)", input: 100 + $0, output: 40 + $0) }
        let plain = try engine.run(batch).duration
        #expect(try engine.run(batch).duration == plain)
        #expect(engine.jitterFactor(for: batch) == 1)

        let jittery = SimulatedGPUEngine(profile: .v100ChatGLM6B, seed: 42, jitterSigma: 0.1)
        let once = try jittery.run(batch).duration
        #expect(try jittery.run(batch).duration == once)
        #expect(try SimulatedGPUEngine(profile: .v100ChatGLM6B, seed: 42, jitterSigma: 0.1).run(batch).duration == once)
        #expect(once != plain)
        #expect(TestSupport.close(once / plain, jittery.jitterFactor(for: batch)))
        let otherSeed = try SimulatedGPUEngine(profile: .v100ChatGLM6B, seed: 43, jitterSigma: 0.1).run(batch).duration
        #expect(otherSeed != once)
        let otherBatch = Array(batch.dropLast()) + [TestSupport.request("other", input: 104, output: 44)]
        #expect(jittery.jitterFactor(for: otherBatch) != jittery.jitterFactor(for: batch))
        // Outputs do not depend on the seed.
        #expect(try jittery.run(batch).outcome == engine.run(batch).outcome)
    }

    @Test("Jitter has mean one and the requested spread")
    func jitterDistribution() {
        let jittery = SimulatedGPUEngine(profile: .v100ChatGLM6B, seed: 7, jitterSigma: 0.2)
        let factors = (0..<4000).map { jittery.jitterFactor(for: [TestSupport.request("j\($0)", input: 1, output: 1)]) }
        let mean = factors.reduce(0, +) / Double(factors.count)
        let logs = factors.map { log($0) }
        let logMean = logs.reduce(0, +) / Double(logs.count)
        let logSD = (logs.map { ($0 - logMean) * ($0 - logMean) }.reduce(0, +) / Double(logs.count)).squareRoot()
        #expect(abs(mean - 1) < 0.02)
        #expect(abs(logSD - 0.2) < 0.02)
        #expect(factors.allSatisfy { $0 > 0 })
    }

    @Test("Malformed batches are refused")
    func errors() {
        #expect(throws: EngineError.self) { try engine.run([]) }
        #expect(throws: EngineError.self) { try engine.run([TestSupport.request("n", input: -1, output: 1)]) }
        var limited = EngineProfile.v100ChatGLM6B
        limited.maxBatchSize = 2
        let small = SimulatedGPUEngine(profile: limited)
        #expect(throws: EngineError.self) {
            try small.run((0..<3).map { TestSupport.request("m\($0)", input: 1, output: 1) })
        }
        #expect(small.capabilities.maxBatchSize == 2)
    }
}
