import Shared

/// The iteration-level (continuous batching) variant of the cost model, as paged-attention
/// engines (vLLM, SGLang, transformers' `ContinuousBatchingManager`) run it. The same GPU,
/// model, Θ and overheads as the static model; what differs is documented in docs/engine.md,
/// "Continuous batching":
/// - a step computes only the running rows, each over its own context (no padding, no
///   finished rows), plus the prefill of the rows that join at that step (no padding either);
/// - the KV cache is paged: a sequence holds ⌈(L + g) / b⌉ blocks of b tokens, Θ / Δ slots
///   in all;
/// - a paged-attention kernel reads the cache at η_paged = η_w / 1.25 of peak bandwidth
///   instead of the static layout's η_kv, and materialises no score matrix at the prefill.
extension EngineProfile {
    /// Tokens per KV block (vLLM's default block size).
    public static let continuousBlockSize = 16
    /// Most sequences one step runs (vLLM's default `max_num_seqs`).
    public static let continuousMaxRunning = 256
    /// Most prompt tokens prefilled in one step (vLLM's `max_num_batched_tokens` with chunked
    /// prefill off: a longer prompt is prefilled alone).
    public static let continuousPrefillTokensPerStep = 8_192
    /// How much slower the paged-attention kernel streams the KV cache than weights are
    /// streamed: the vLLM paper (Kwon et al., SOSP 2023, §7.1 and Fig. 18a) measures its
    /// kernel 20–26 % slower than FasterTransformer's contiguous one, which we take to run at
    /// η_w.
    public static let pagedAttentionSlowdown = 1.25

    /// η_paged: fraction of peak bandwidth at which a paged-attention kernel reads the cache.
    public var pagedKVBandwidthEfficiency: Double { weightBandwidthEfficiency / Self.pagedAttentionSlowdown }

    /// Seconds one cached token of one row costs per step under paged attention.
    public var pagedKVSecondsPerToken: Seconds {
        Double(model.kvBytesPerToken) / (gpu.memoryBandwidth * pagedKVBandwidthEfficiency)
    }

    /// The paged cache: Θ / Δ slots rounded down to whole blocks.
    public var continuousCapacity: ContinuousCapacity {
        let blocks = capabilities.kvTokenCapacity / Self.continuousBlockSize
        let running = maxBatchSize > 0 ? min(maxBatchSize, Self.continuousMaxRunning) : Self.continuousMaxRunning
        return ContinuousCapacity(
            kvTokenSlots: blocks * Self.continuousBlockSize, blockSize: Self.continuousBlockSize, maxRunning: running)
    }

    /// What a continuous worker on this profile announces.
    public var continuousCapabilities: WorkerCapabilities {
        var capabilities = capabilities
        capabilities.continuous = continuousCapacity
        capabilities.engine = "simulated-continuous"
        return capabilities
    }

    /// One iteration: decoding `decodingRows` rows whose contexts sum to `decodingContext`
    /// tokens, plus prefilling joining prompts whose lengths sum to `prefillTokens` and whose
    /// squares sum to `prefillSquares`. The weights are streamed once for both:
    /// o + max(W / (BW η_w) + Σc Δ / (BW η_paged), (2P (n + ΣL) + 4 layers H d (Σc + ΣL²)) / (F η_c)).
    public func continuousStepSeconds(
        decodingRows: Int, decodingContext: Int, prefillTokens: Int, prefillSquares: Double
    ) -> Seconds {
        let rows = Double(max(0, decodingRows))
        let context = Double(max(0, decodingContext))
        let prompt = Double(max(0, prefillTokens))
        let memory = weightStreamSeconds + context * pagedKVSecondsPerToken
        let flops = model.denseFLOPsPerToken * (rows + prompt) + model.attentionFLOPsPerPair * (context + max(0, prefillSquares))
        let compute = flops / (gpu.peakFLOPs * computeEfficiency)
        return stepOverheadSeconds + max(memory, compute)
    }
}
