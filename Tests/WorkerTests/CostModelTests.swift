import Shared
import Testing
import Worker

@Suite("Step time and memory formulas")
struct CostModelTests {
    let toy = TestSupport.toyProfile()

    @Test("Memory-bound decoding step, by hand")
    func memoryBoundDecodeStep() {
        // β = 4, L = 100, g = 20, c = 120:
        // weights 2e9 / (1e12 · 0.5) = 0.004 s; KV 4 · 120 · 64 / (1e12 · 0.25) = 1.2288e-7 s;
        // compute (2e9 · 4 + 64 · 4 · 120) / (1e15 · 0.5) ≈ 1.6e-5 s (smaller); + o = 0.01 s.
        let time = toy.stepTime(batchSize: 4, paddedInput: 100, generated: 20)
        #expect(TestSupport.close(time, 0.01 + 0.004 + 1.2288e-7))
        #expect(TestSupport.close(toy.weightStreamSeconds, 0.004))
        #expect(TestSupport.close(toy.kvSecondsPerToken, 64 / 2.5e11))
    }

    @Test("Compute-bound decoding step, by hand")
    func computeBoundDecodeStep() {
        // β = 2000, L = 10, g = 1, c = 11: compute (2e9 · 2000 + 64 · 2000 · 11) / 5e14
        // = 0.008 + 2.816e-9 s beats memory 0.004 + 2000 · 11 · 64 / 2.5e11 = 0.004005632 s.
        let time = toy.stepTime(batchSize: 2000, paddedInput: 10, generated: 1)
        #expect(TestSupport.close(time, 0.01 + 0.008 + 2.816e-9))
    }

    @Test("Prefill, weight-bound and compute-bound, by hand")
    func prefill() {
        // β = 4, L = 100: compute (2e9 · 400 + 64 · 4 · 1e4) / 5e14 = 0.00160000512 s < weights
        // 0.004 s; score traffic 4 · 1e4 · 2 layers · 10 B / 5e11 = 1.6e-6 s.
        #expect(TestSupport.close(toy.stepTime(batchSize: 4, paddedInput: 100, generated: 0), 0.01 + 0.004 + 1.6e-6))
        // β = 2000, L = 10: compute (2e9 · 2e4 + 64 · 2000 · 100) / 5e14 = 0.0800000256 s;
        // scores 2000 · 100 · 2 · 10 / 5e11 = 8e-6 s.
        #expect(
            TestSupport.close(toy.prefillSeconds(batchSize: 2000, paddedInput: 10), 0.01 + 0.0800000256 + 8e-6))
    }

    @Test("Memory at prefill and at a decoding step, by hand")
    func memory() {
        // Prefill β = 4, L = 100: W 2e9 + KV 4·100·64 + reserve 1000 + β L a_tok 4·100·10
        // + β a_row 4·50 + β L² m 4·1e4·1.
        #expect(toy.memoryBytes(batchSize: 4, paddedInput: 100, generated: 0) == 2_000_070_800)
        #expect(toy.kvCacheBytes(batchSize: 4, paddedInput: 100, generated: 0) == 25_600)
        #expect(toy.workspaceBytes(batchSize: 4, paddedInput: 100, generated: 0) == 1000 + 4000 + 200 + 40_000)
        // Decode g = 20, c = 120: KV 4·120·64 = 30,720; reserve 1000; β (a_tok + a_row) 240;
        // β c m 480; concatenation transient 4·120·32 = 15,360.
        #expect(toy.memoryBytes(batchSize: 4, paddedInput: 100, generated: 20) == 2_000_047_800)
        #expect(toy.workspaceBytes(batchSize: 4, paddedInput: 100, generated: 20) == 1000 + 240 + 480 + 15_360)
    }

    @Test("Closed-form run time equals the step-by-step sum, across regimes and profiles")
    func closedFormMatchesLoop() {
        let shapes: [(Int, Int, Int)] = [
            (1, 0, 1), (1, 10, 2), (3, 1000, 1000), (7, 1000, 1000), (18, 10, 10), (64, 50, 300),
            (200, 20, 400), (600, 8, 700), (2048, 4, 50), (4096, 1, 200),
        ]
        for profile in EngineProfile.builtins + [toy] {
            for (beta, input, generated) in shapes {
                let prediction = profile.predictRun(batchSize: beta, paddedInput: input, generatedMax: generated)
                let loop = TestSupport.summedSteps(
                    profile, batchSize: beta, paddedInput: input, steps: prediction.completedSteps)
                #expect(
                    TestSupport.close(prediction.duration, loop, rel: 1e-9),
                    "\(profile.name) β=\(beta) L=\(input) G=\(generated): \(prediction.duration) vs \(loop)")
            }
        }
    }

    @Test("Some shapes are compute bound: the decode-step branch switches")
    func computeBoundRegionExists() {
        let profile = EngineProfile.v100ChatGLM6B
        let small = profile.stepTime(batchSize: 1, paddedInput: 10, generated: 1)
        let large = profile.stepTime(batchSize: 1024, paddedInput: 10, generated: 1)
        let memoryOnly = profile.stepOverheadSeconds + profile.weightStreamSeconds
            + 1024 * 11 * profile.kvSecondsPerToken
        #expect(large > memoryOnly)
        #expect(small < 0.05)
    }

    @Test("A zero-token batch still runs its prefill")
    func zeroTokens() {
        let prediction = toy.predictRun(batchSize: 2, paddedInput: 10, generatedMax: 0)
        #expect(prediction.plannedSteps == 1)
        #expect(prediction.completedSteps == 1)
        #expect(prediction.decodeSeconds == 0)
        #expect(TestSupport.close(prediction.duration, toy.prefillSeconds(batchSize: 2, paddedInput: 10)))
    }
}
