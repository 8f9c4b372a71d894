/// The shape of a decoder-only transformer as far as serving cost is concerned: how many bytes
/// of weights every forward pass streams, how many KV-cache bytes each token occupies, and how
/// many FLOPs each token costs. Values of the built-in models are in `docs/engine.md`.
public struct ModelProfile: Sendable, Hashable, Codable {
    /// Model name as announced in `WorkerCapabilities.model`, e.g. `ChatGLM-6B`.
    public var name: String
    /// Transformer blocks.
    public var layers: Int
    /// Width of the residual stream.
    public var hiddenSize: Int
    /// Query heads per layer.
    public var attentionHeads: Int
    /// Key/value heads per layer (equal to `attentionHeads` for multi-head attention, fewer
    /// with grouped-query attention).
    public var kvHeads: Int
    /// Dimension of one head.
    public var headDim: Int
    /// Inner width of the feed-forward block.
    public var ffnHiddenSize: Int
    /// Vocabulary size (width of the logits).
    public var vocabSize: Int
    /// Parameter count (all weights the forward pass reads).
    public var parameterCount: Int
    /// Bytes per stored weight: 2 for fp16/bf16, 0.5 for 4-bit quantisation.
    public var bytesPerWeight: Double
    /// Bytes per cached key or value element: 2 for an fp16 cache.
    public var bytesPerKVValue: Int

    public init(
        name: String, layers: Int, hiddenSize: Int, attentionHeads: Int, kvHeads: Int, headDim: Int,
        ffnHiddenSize: Int, vocabSize: Int, parameterCount: Int, bytesPerWeight: Double = 2,
        bytesPerKVValue: Int = 2
    ) {
        self.name = name
        self.layers = layers
        self.hiddenSize = hiddenSize
        self.attentionHeads = attentionHeads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ffnHiddenSize = ffnHiddenSize
        self.vocabSize = vocabSize
        self.parameterCount = parameterCount
        self.bytesPerWeight = bytesPerWeight
        self.bytesPerKVValue = bytesPerKVValue
    }

    /// Δ: KV-cache bytes one token occupies, keys and values of every layer:
    /// 2 × layers × kvHeads × headDim × bytesPerKVValue.
    public var kvBytesPerToken: Int { 2 * layers * kvHeads * headDim * bytesPerKVValue }

    /// KV-cache bytes one token occupies in one layer (Δ / layers).
    public var kvBytesPerTokenPerLayer: Int { 2 * kvHeads * headDim * bytesPerKVValue }

    /// Bytes of weights resident on the device and streamed by every forward pass.
    public var weightBytes: Int { Int((Double(parameterCount) * bytesPerWeight).rounded()) }

    /// FLOPs of the weight matrix products per token: 2 × parameters (one multiply-add each).
    public var denseFLOPsPerToken: Double { 2 * Double(parameterCount) }

    /// FLOPs of attention per (query, key) pair over all layers: QKᵀ and the product with V,
    /// 2 FLOPs per multiply-add each, so 4 × layers × heads × headDim.
    public var attentionFLOPsPerPair: Double { 4 * Double(layers * attentionHeads * headDim) }
}

extension ModelProfile {
    /// ChatGLM-6B (THUDM, 2023): GLM architecture, 28 layers, hidden 4096, 32 heads of 128,
    /// multi-head attention (32 KV heads), feed-forward 16384, vocabulary 130,528, about
    /// 6.2 billion parameters, fp16.
    public static let chatGLM6B = ModelProfile(
        name: "ChatGLM-6B", layers: 28, hiddenSize: 4096, attentionHeads: 32, kvHeads: 32, headDim: 128,
        ffnHiddenSize: 16384, vocabSize: 130_528, parameterCount: 6_200_000_000)

    /// Llama-2-7B (Meta, 2023): 32 layers, hidden 4096, 32 heads of 128, multi-head attention,
    /// feed-forward 11008, vocabulary 32,000, 6.74 billion parameters, fp16.
    public static let llama2_7B = ModelProfile(
        name: "Llama-2-7B", layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 32, headDim: 128,
        ffnHiddenSize: 11008, vocabSize: 32000, parameterCount: 6_740_000_000)

    /// Llama-3-8B (Meta, 2024): 32 layers, hidden 4096, 32 query heads of 128, grouped-query
    /// attention with 8 KV heads, feed-forward 14336, vocabulary 128,256, 8.03 billion
    /// parameters, bf16/fp16.
    public static let llama3_8B = ModelProfile(
        name: "Llama-3-8B", layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128,
        ffnHiddenSize: 14336, vocabSize: 128_256, parameterCount: 8_030_000_000)
}
