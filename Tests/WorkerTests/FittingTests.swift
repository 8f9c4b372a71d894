import Shared
import Testing
import Worker

@Suite("Fitting the time constants to batch logs")
struct FittingTests {
    /// A "real cluster" whose constants differ from the built-in profile's.
    static var truth: EngineProfile {
        var profile = EngineProfile.v100ChatGLM6B
        profile.stepOverheadSeconds = 0.02
        profile.kvBandwidthEfficiency = 0.3
        profile.computeEfficiency = 0.4
        return profile
    }

    /// Shapes of logged batches that complete under `truth`, including compute-bound ones.
    static var shapes: [(Int, Int, Int)] {
        var shapes: [(Int, Int, Int)] = []
        for beta in [1, 4, 16, 64, 256, 512] {
            for input in [16, 128, 1024] {
                for generated in [8, 64, 512] {
                    if truth.predictRun(batchSize: beta, paddedInput: input, generatedMax: generated).completes {
                        shapes.append((beta, input, generated))
                    }
                }
            }
        }
        return shapes
    }

    static func samples(noise sigma: Double = 0, seed: UInt64 = 1) -> [BatchTimingSample] {
        var generator = SplitMix64(seed: seed)
        return shapes.map { beta, input, generated in
            let seconds = truth.predictRun(batchSize: beta, paddedInput: input, generatedMax: generated).duration
            let factor = sigma > 0 ? 1 + sigma * generator.nextGaussian() : 1
            return BatchTimingSample(batchSize: beta, paddedInput: input, generatedMax: generated, seconds: seconds * factor)
        }
    }

    @Test("Exact samples: the constants are recovered")
    func recoversExactly() throws {
        #expect(Self.shapes.count > 30)
        let fit = try EngineProfile.v100ChatGLM6B.fit(Self.samples())
        #expect(fit.fittedComputeEfficiency)
        #expect(TestSupport.close(fit.profile.stepOverheadSeconds, 0.02, rel: 1e-6))
        #expect(TestSupport.close(fit.profile.kvBandwidthEfficiency, 0.3, rel: 1e-6))
        #expect(TestSupport.close(fit.profile.computeEfficiency, 0.4, rel: 1e-6))
        #expect(fit.meanRelativeError < 1e-9)
        #expect(fit.warnings.isEmpty)
        #expect(fit.profile.weightBandwidthEfficiency == EngineProfile.v100ChatGLM6B.weightBandwidthEfficiency)
    }

    @Test("Noisy samples (3 % noise): the constants are recovered within 10 %")
    func recoversWithNoise() throws {
        let fitted = try EngineProfile.v100ChatGLM6B.fitted(from: Self.samples(noise: 0.03))
        #expect(abs(fitted.stepOverheadSeconds - 0.02) / 0.02 < 0.10)
        #expect(abs(fitted.kvBandwidthEfficiency - 0.3) / 0.3 < 0.10)
        #expect(abs(fitted.computeEfficiency - 0.4) / 0.4 < 0.10)
    }

    @Test("Memory-bound samples only: o and η_kv fitted, η_c kept")
    func memoryBoundOnly() throws {
        // β · L ≤ 60 prompt tokens: every prefill is weight bound, every decoding step memory bound.
        let samples = [(1, 20, 200), (2, 30, 300), (4, 10, 1000), (1, 50, 20), (3, 16, 400)].map {
            BatchTimingSample(
                batchSize: $0.0, paddedInput: $0.1, generatedMax: $0.2,
                seconds: Self.truth.predictRun(batchSize: $0.0, paddedInput: $0.1, generatedMax: $0.2).duration)
        }
        let fit = try EngineProfile.v100ChatGLM6B.fit(samples)
        #expect(!fit.fittedComputeEfficiency)
        #expect(fit.profile.computeEfficiency == EngineProfile.v100ChatGLM6B.computeEfficiency)
        #expect(abs(fit.profile.stepOverheadSeconds - 0.02) / 0.02 < 0.01)
        #expect(abs(fit.profile.kvBandwidthEfficiency - 0.3) / 0.3 < 0.01)
    }

    @Test("Tuple form gives the same profile")
    func tupleForm() throws {
        let samples = Self.samples()
        let tuples = samples.map {
            (batchSize: $0.batchSize, paddedInput: $0.paddedInput, generatedMax: $0.generatedMax, seconds: $0.seconds)
        }
        #expect(try EngineProfile.v100ChatGLM6B.fitted(from: tuples) == EngineProfile.v100ChatGLM6B.fitted(from: samples))
    }

    @Test("Undetermined fits are refused")
    func refusals() {
        let base = EngineProfile.v100ChatGLM6B
        #expect(throws: EngineError.self) {
            try base.fitted(from: [BatchTimingSample(batchSize: 1, paddedInput: 1, generatedMax: 1, seconds: 1)])
        }
        // Every sample the same shape: overhead and KV cost cannot be separated.
        let same = Array(repeating: BatchTimingSample(batchSize: 4, paddedInput: 100, generatedMax: 100, seconds: 5), count: 5)
        #expect(throws: EngineError.self) { try base.fitted(from: same) }
        #expect(throws: EngineError.self) {
            try base.fitted(from: [
                BatchTimingSample(batchSize: 1, paddedInput: 1, generatedMax: 1, seconds: 1),
                BatchTimingSample(batchSize: 0, paddedInput: 1, generatedMax: 1, seconds: 1),
            ])
        }
    }
}
