import Shared

/// One simulated serving setup: a GPU, a model, and the constants that say how efficiently a
/// static-batching engine (Hugging Face transformers `generate`) runs that model there. The
/// cost and memory formulas that use these constants are in `EngineProfile+CostModel.swift`
/// and `docs/engine.md`; the built-in profiles and the source of every constant are in
/// `EngineProfile+Builtins.swift`.
public struct EngineProfile: Sendable, Hashable, Codable {
    /// Lookup name, e.g. `v100-chatglm6b`.
    public var name: String
    public var gpu: GPUProfile
    public var model: ModelProfile

    // MARK: Time

    /// o: fixed seconds every forward pass costs regardless of its size (kernel launches, the
    /// Python model code and the `generate` loop: logits processing, stopping criteria, cache
    /// and mask bookkeeping).
    public var stepOverheadSeconds: Double
    /// η_w: fraction of peak bandwidth achieved while streaming the weights.
    public var weightBandwidthEfficiency: Double
    /// η_kv: peak bandwidth divided by the bandwidth at which one byte of *stored* KV cache is
    /// effectively handled per decoding step. Below η_w because the engine touches each cached
    /// byte several times a step (cache concatenation copies, head repetition, strided reads);
    /// η_kv ≈ η_w / amplification.
    public var kvBandwidthEfficiency: Double
    /// η_c: fraction of peak tensor throughput achieved by the forward pass when compute bound.
    public var computeEfficiency: Double
    /// Bytes of memory traffic per (row, query, key) attention-score element per layer during
    /// prefill, beyond the matrix products: the materialised score matrix written and re-read by
    /// scaling, masking, softmax and casts. 0 for a fused attention kernel.
    public var prefillAttentionTrafficBytes: Double

    // MARK: Memory

    /// Activation bytes per prompt token live at the prefill peak (logits of every position if
    /// the engine computes them, feed-forward intermediates, hidden-state copies).
    public var activationBytesPerToken: Int
    /// Activation bytes per row that do not scale with the prompt (logits of the last position
    /// only, when the engine restricts them to it).
    public var activationBytesPerRow: Int
    /// Bytes live at once per (row, query, key) attention element: one layer's materialised
    /// score and probability matrices across heads, plus the attention mask.
    public var attentionMatrixBytes: Int
    /// How many layers' KV cache exist twice during a decoding step (1 when the cache grows by
    /// concatenation, which allocates a new tensor before freeing the old; 0 for a preallocated
    /// cache).
    public var kvConcatTransientLayers: Int
    /// Bytes never available to the batch: CUDA context, library workspaces, allocator slack and
    /// memory the driver withholds from the nominal capacity.
    public var fixedReserveBytes: Int
    /// Headroom the operator sets aside for activations when announcing Θ; the engine itself
    /// does not reserve it, it only shrinks `kvBudgetBytes`.
    public var workspaceReserveBytes: Int
    /// Largest batch the engine accepts (0 = no limit).
    public var maxBatchSize: Int

    public init(
        name: String, gpu: GPUProfile, model: ModelProfile,
        stepOverheadSeconds: Double, weightBandwidthEfficiency: Double, kvBandwidthEfficiency: Double,
        computeEfficiency: Double, prefillAttentionTrafficBytes: Double,
        activationBytesPerToken: Int, activationBytesPerRow: Int, attentionMatrixBytes: Int,
        kvConcatTransientLayers: Int, fixedReserveBytes: Int, workspaceReserveBytes: Int, maxBatchSize: Int = 0
    ) {
        self.name = name
        self.gpu = gpu
        self.model = model
        self.stepOverheadSeconds = stepOverheadSeconds
        self.weightBandwidthEfficiency = weightBandwidthEfficiency
        self.kvBandwidthEfficiency = kvBandwidthEfficiency
        self.computeEfficiency = computeEfficiency
        self.prefillAttentionTrafficBytes = prefillAttentionTrafficBytes
        self.activationBytesPerToken = activationBytesPerToken
        self.activationBytesPerRow = activationBytesPerRow
        self.attentionMatrixBytes = attentionMatrixBytes
        self.kvConcatTransientLayers = kvConcatTransientLayers
        self.fixedReserveBytes = fixedReserveBytes
        self.workspaceReserveBytes = workspaceReserveBytes
        self.maxBatchSize = maxBatchSize
    }

    /// Θ = memory − weights − fixed reserve − workspace reserve (never negative).
    public var kvBudgetBytes: Int {
        max(0, gpu.memoryBytes - model.weightBytes - fixedReserveBytes - workspaceReserveBytes)
    }

    /// What a worker running this profile announces to the coordinator.
    public var capabilities: WorkerCapabilities {
        WorkerCapabilities(
            gpu: gpu.name, model: model.name, memoryBytes: gpu.memoryBytes, kvBudgetBytes: kvBudgetBytes,
            kvBytesPerToken: model.kvBytesPerToken, maxBatchSize: maxBatchSize, engine: "simulated",
            prefill: PrefillMemory(
                budgetBytes: max(0, gpu.memoryBytes - model.weightBytes - fixedReserveBytes),
                bytesPerToken: model.kvBytesPerToken + activationBytesPerToken + activationBytesPerRow,
                bytesPerTokenPair: attentionMatrixBytes),
            continuation: true)
    }
}
