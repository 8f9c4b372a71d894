import Shared
import Testing
import Worker

@Suite("Out-of-memory behaviour")
struct OutOfMemoryTests {
    // Toy decode memory for β = 4, L = 100: 2e9 + 1000 + 4·60 + 4·(100+g)·(64 + 1 + 32)
    // = 2,000,040,040 + 388 g bytes; prefill 2,000,070,800 bytes. With the device at
    // 2,000,040,040 + 388 · 100 bytes, step 100 just fits and step 101 does not.
    static let limit = 2_000_040_040 + 388 * 100
    let profile = TestSupport.toyProfile(memoryBytes: OutOfMemoryTests.limit)

    @Test("Memory crosses the limit at the known step")
    func oomStep() {
        #expect(profile.memoryBytes(batchSize: 4, paddedInput: 100, generated: 100) == Self.limit)
        #expect(profile.memoryBytes(batchSize: 4, paddedInput: 100, generated: 0) < Self.limit)
        #expect(profile.firstOutOfMemoryStep(batchSize: 4, paddedInput: 100, generatedMax: 200) == 101)
        #expect(profile.firstOutOfMemoryStep(batchSize: 4, paddedInput: 100, generatedMax: 101) == nil)
        #expect(profile.firstOutOfMemoryStep(batchSize: 4, paddedInput: 100, generatedMax: 102) == 101)
        let prediction = profile.predictRun(batchSize: 4, paddedInput: 100, generatedMax: 200)
        #expect(prediction.outOfMemoryStep == 101)
        #expect(prediction.requiredBytes == 2_000_040_040 + 388 * 101)
        #expect(prediction.availableBytes == Self.limit)
        #expect(prediction.completedSteps == 101)
        #expect(prediction.peakMemoryBytes == Self.limit)
        #expect(!prediction.completes)
    }

    @Test("The engine reports the OOM with the time spent until then")
    func engineOOM() throws {
        let engine = SimulatedGPUEngine(profile: profile)
        let batch = (0..<4).map { TestSupport.request("r\($0)", input: $0 == 0 ? 100 : 30, output: $0 == 1 ? 200 : 20) }
        let run = try engine.run(batch)
        guard case let .outOfMemory(step, required, available) = run.outcome else {
            Issue.record("expected an OOM, got \(run.outcome)")
            return
        }
        #expect(step == 101)
        #expect(required == 2_000_040_040 + 388 * 101)
        #expect(available == Self.limit)
        let expected = TestSupport.summedSteps(profile, batchSize: 4, paddedInput: 100, steps: 101)
        #expect(TestSupport.close(run.duration, expected, rel: 1e-9))
    }

    @Test("An OOM in the prefill costs nothing and reports step 0")
    func prefillOOM() throws {
        let tight = TestSupport.toyProfile(memoryBytes: 2_000_070_799)
        let run = try SimulatedGPUEngine(profile: tight).run(
            (0..<4).map { TestSupport.request("p\($0)", input: 100, output: 5) })
        #expect(run.outcome == .outOfMemory(step: 0, requiredBytes: 2_000_070_800, availableBytes: 2_000_070_799))
        #expect(run.duration == 0)
    }

    @Test("The motivating example fits on the V100; a batch far beyond Θ does not")
    func v100Limits() {
        let profile = EngineProfile.v100ChatGLM6B
        #expect(profile.predictRun(batchSize: 7, paddedInput: 1000, generatedMax: 1000).completes)
        #expect(profile.predictRun(batchSize: 18, paddedInput: 10, generatedMax: 10).completes)
        // 30 rows × 2,100 tokens ≈ 63,000 token slots, far beyond Θ / Δ ≈ 36,000: the prefill
        // fits, the cache outgrows the device during decoding.
        let big = profile.predictRun(batchSize: 30, paddedInput: 100, generatedMax: 2000)
        #expect(!big.completes)
        if let step = big.outOfMemoryStep {
            #expect(step > 1000 && step < 2000)
            #expect(profile.memoryBytes(batchSize: 30, paddedInput: 100, generated: step) > profile.gpu.memoryBytes)
            #expect(profile.memoryBytes(batchSize: 30, paddedInput: 100, generated: step - 1) <= profile.gpu.memoryBytes)
            #expect(big.requiredBytes == profile.memoryBytes(batchSize: 30, paddedInput: 100, generated: step))
        }
        // Long prompts: ChatGLM's prefill activations (all-position logits, fp32 attention
        // scores) exhaust the device at step 0 although β (L + G) Δ alone would fit in memory.
        let longPrompts = profile.predictRun(batchSize: 16, paddedInput: 1000, generatedMax: 10)
        #expect(longPrompts.outOfMemoryStep == 0)
        #expect(longPrompts.duration == 0)
        #expect(profile.predictRun(batchSize: 14, paddedInput: 1000, generatedMax: 10).completes)
    }
}
