import Shared
import Worker

/// Shared helpers of the engine tests.
enum TestSupport {
    /// |a − b| ≤ rel · max(|a|, |b|) (or both tiny).
    static func close(_ a: Double, _ b: Double, rel: Double = 1e-12) -> Bool {
        abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)
    }

    /// A toy GPU and model with round numbers so formulas can be checked by hand:
    /// W = 2e9 bytes, Δ = 64 bytes (32 per layer), 4 × layers × heads × headDim = 64,
    /// BW = 1e12 B/s, F = 1e15 FLOP/s.
    static func toyProfile(memoryBytes: Int = 100_000_000_000) -> EngineProfile {
        let gpu = GPUProfile(name: "toy-gpu", memoryBytes: memoryBytes, memoryBandwidth: 1e12, peakFLOPs: 1e15)
        let model = ModelProfile(
            name: "toy-model", layers: 2, hiddenSize: 8, attentionHeads: 2, kvHeads: 2, headDim: 4,
            ffnHiddenSize: 32, vocabSize: 100, parameterCount: 1_000_000_000, bytesPerWeight: 2, bytesPerKVValue: 2)
        return EngineProfile(
            name: "toy", gpu: gpu, model: model, stepOverheadSeconds: 0.01, weightBandwidthEfficiency: 0.5,
            kvBandwidthEfficiency: 0.25, computeEfficiency: 0.5, prefillAttentionTrafficBytes: 10,
            activationBytesPerToken: 10, activationBytesPerRow: 50, attentionMatrixBytes: 1,
            kvConcatTransientLayers: 1, fixedReserveBytes: 1000, workspaceReserveBytes: 500)
    }

    static func request(
        _ id: String, input: Int, output: Int?, maxNewTokens: Int = 4096, prompt: String? = nil
    ) -> EngineRequest {
        EngineRequest(
            id: RequestID(id), prompt: prompt ?? "prompt \(id)", inputTokens: input, maxNewTokens: maxNewTokens,
            simulatedOutputTokens: output)
    }

    /// Σ of `stepTime` over steps 0 ..< steps, step by step.
    static func summedSteps(_ profile: EngineProfile, batchSize: Int, paddedInput: Int, steps: Int) -> Double {
        (0..<steps).reduce(0.0) { $0 + profile.stepTime(batchSize: batchSize, paddedInput: paddedInput, generated: $1) }
    }
}
