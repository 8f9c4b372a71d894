import Shared

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A simulated GPU running static batched greedy decoding the way Hugging Face transformers
/// `generate` does (the paper's engine): the batch is padded to its longest prompt, prefilled,
/// then decoded one token per step until its longest row ends, every row's cache read at every
/// step. Time and memory follow `EngineProfile`'s cost model (docs/engine.md); an allocation
/// beyond the device at some step ends the run as `.outOfMemory` after the time spent so far.
///
/// Deterministic: the same batch always gives the same outputs and, for a given seed, the same
/// duration. With `jitterSigma` > 0 the duration is multiplied by a mean-one lognormal factor
/// drawn from a generator seeded by the seed and the batch's request ids.
public struct SimulatedGPUEngine: InferenceEngine {
    /// The GPU, model and efficiency constants being simulated.
    public let profile: EngineProfile
    /// Seed of the duration jitter.
    public let seed: UInt64
    /// σ of the lognormal duration jitter (0 = none).
    public let jitterSigma: Double

    public init(profile: EngineProfile = .v100ChatGLM6B, seed: UInt64 = 0, jitterSigma: Double = 0) {
        self.profile = profile
        self.seed = seed
        self.jitterSigma = jitterSigma.isFinite ? max(0, jitterSigma) : 0
    }

    public var capabilities: WorkerCapabilities { profile.capabilities }

    public var isSimulated: Bool { true }

    /// Inputs beyond this many tokens are rejected as malformed.
    public static let maxInputTokens = 10_000_000

    public func run(_ batch: [EngineRequest]) throws(EngineError) -> EngineRun {
        guard !batch.isEmpty else { throw EngineError("empty batch") }
        if profile.maxBatchSize > 0, batch.count > profile.maxBatchSize {
            throw EngineError("batch of \(batch.count) exceeds the engine's maximum of \(profile.maxBatchSize)")
        }
        for request in batch where request.inputTokens < 0 || request.inputTokens > Self.maxInputTokens {
            throw EngineError("request \(request.id): input length \(request.inputTokens) out of range")
        }
        let generated = batch.map(generatedTokens(for:))
        let paddedInput = batch.map(\.inputTokens).max() ?? 0
        let generatedMax = generated.max() ?? 0
        let prediction = profile.predictRun(batchSize: batch.count, paddedInput: paddedInput, generatedMax: generatedMax)
        let jitter = jitterFactor(for: batch)
        let duration = prediction.duration * jitter
        if let step = prediction.outOfMemoryStep {
            return EngineRun(
                outcome: .outOfMemory(
                    step: step, requiredBytes: prediction.requiredBytes ?? 0, availableBytes: prediction.availableBytes),
                duration: duration)
        }
        let outputs = zip(batch, generated).map { request, tokens in
            EngineOutput(
                id: request.id,
                text: PlaceholderText.make(tokens: tokens, start: StableHash.of(request.id.rawValue)),
                generatedTokens: tokens, inputTokensSeen: request.inputTokens,
                finished: naturalTokens(for: request) <= max(0, request.maxNewTokens))
        }
        return EngineRun(outcome: .completed(outputs), duration: duration, firstTokenSeconds: prediction.prefillSeconds * jitter)
    }

    /// Tokens the row generates: `simulatedOutputTokens` (at least 1: greedy decoding emits at
    /// least the end-of-sequence token) or, when absent, `defaultOutputTokens`; capped at
    /// `maxNewTokens` (0 when that is not positive).
    public func generatedTokens(for request: EngineRequest) -> Int {
        min(naturalTokens(for: request), max(0, request.maxNewTokens))
    }

    /// Tokens the row would generate without a limit, up to and including EOS.
    func naturalTokens(for request: EngineRequest) -> Int {
        max(1, request.simulatedOutputTokens ?? Self.defaultOutputTokens(prompt: request.prompt, inputTokens: request.inputTokens))
    }

    /// The generation length assumed when a request carries none: the input length times a
    /// ratio in [0.5, 1.5) fixed by a stable hash of the prompt, at least 1. It correlates with
    /// the input length, as the paper observes for most applications, and is the same for the
    /// same prompt on every run and machine (greedy decoding is deterministic).
    public static func defaultOutputTokens(prompt: String, inputTokens: Int) -> Int {
        let hash = StableHash.mix(StableHash.of(prompt))
        let ratio = 0.5 + Double(hash >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return max(1, Int((Double(max(inputTokens, 0)) * ratio).rounded()))
    }

    /// The batch's duration multiplier: exp(σ z − σ² / 2) with z standard normal, drawn from a
    /// generator seeded by `seed` and the request ids in batch order (1 when σ = 0).
    public func jitterFactor(for batch: [EngineRequest]) -> Double {
        guard jitterSigma > 0 else { return 1 }
        var hash = StableHash.mix(seed)
        for request in batch {
            hash = StableHash.fnv1a(request.id.rawValue.utf8, seed: hash ^ 0x1F)
        }
        var generator = SplitMix64(seed: StableHash.mix(hash))
        let z = generator.nextGaussian()
        return exp(jitterSigma * z - jitterSigma * jitterSigma / 2)
    }

    // MARK: The pure model, for the simulator and the batch-time prior

    /// `EngineProfile.stepTime(batchSize:paddedInput:generated:)` of this engine's profile.
    public func stepTime(batchSize: Int, paddedInput: Int, generated: Int) -> Seconds {
        profile.stepTime(batchSize: batchSize, paddedInput: paddedInput, generated: generated)
    }

    /// `EngineProfile.memoryBytes(batchSize:paddedInput:generated:)` of this engine's profile.
    public func memoryBytes(batchSize: Int, paddedInput: Int, generated: Int) -> Int {
        profile.memoryBytes(batchSize: batchSize, paddedInput: paddedInput, generated: generated)
    }

    /// `EngineProfile.predictRun(batchSize:paddedInput:generatedMax:)` of this engine's profile
    /// (no jitter).
    public func predictRun(batchSize: Int, paddedInput: Int, generatedMax: Int) -> RunPrediction {
        profile.predictRun(batchSize: batchSize, paddedInput: paddedInput, generatedMax: generatedMax)
    }
}
