/// Built-in profiles. Datasheet and architecture figures come from public specifications; the
/// efficiency constants of `v100-chatglm6b` are calibrated on the paper's motivating example,
/// the others are estimates by the same reasoning. Each constant's source is given here and in
/// docs/engine.md.
extension EngineProfile {
    /// Names `named(_:)` accepts, in a stable order.
    public static var builtinNames: [String] { builtins.map(\.name) }

    /// Every built-in profile.
    public static var builtins: [EngineProfile] { [v100ChatGLM6B, a100Llama2_7B, h100Llama3_8B] }

    /// The built-in profile called `name` (case-insensitive), or nil.
    public static func named(_ name: String) -> EngineProfile? {
        let wanted = name.lowercased()
        return builtins.first { $0.name == wanted }
    }

    /// The paper's setup: ChatGLM-6B in fp16 on one V100-SXM2-32GB under Hugging Face
    /// transformers (ChatGLM's own modelling code, eager attention, tuple KV cache grown by
    /// concatenation, logits of every prompt position computed at prefill).
    public static let v100ChatGLM6B = EngineProfile(
        name: "v100-chatglm6b", gpu: .v100SXM2_32GB, model: .chatGLM6B,
        // Calibrated (docs/engine.md, "Calibration"): fitted with η_w = 0.8 fixed so that the
        // motivating example's FCFS (242 s) and grouped (60 s) totals are reproduced.
        stepOverheadSeconds: 0.0265,
        // Assumption: about 80 % of peak HBM2 bandwidth is reached by large streaming reads on
        // V100 (STREAM-like copy benchmarks reach ~80-90 % of 900 GB/s).
        weightBandwidthEfficiency: 0.8,
        // Calibrated with the overhead (see above); ≈ 0.8 / 5.3: every stored cache byte is
        // handled about five times a step (concatenation read + write, attention read, and the
        // [seq, batch, heads, dim] layout's strided or copied reads).
        kvBandwidthEfficiency: 0.152,
        // Assumption: fp16 tensor-core GEMMs reach ~65-70 % of 125 TFLOP/s on large shapes;
        // the whole forward pass (layer norms, GELU, fp32 softmax, Python rotary code) about 50 %.
        computeEfficiency: 0.5,
        // ChatGLM-6B's eager attention per score element and head: fp16 scores written (2),
        // cast to fp32 (read 2, write 4), scaled (read 4, write 4), masked in place (read 4,
        // write 4), softmax (read 4, write 4), cast back (read 4, write 2), read by the product
        // with V (2): 40 bytes × 32 heads.
        prefillAttentionTrafficBytes: 40 * 32,
        // Logits of every position in fp16 plus their permuted contiguous copy
        // (130,528 × 2 × 2), GELU input and output (16,384 × 2 × 2), ~4 hidden-state copies
        // (4,096 × 2 × 4).
        activationBytesPerToken: 130_528 * 4 + 16384 * 4 + 4096 * 8,
        activationBytesPerRow: 0,
        // One layer's scores live as fp16 (2) + fp32 (4) + fp32 probabilities (4) + fp16 (2)
        // per head, 32 heads, plus the boolean attention mask (1).
        attentionMatrixBytes: 12 * 32 + 1,
        // Tuple cache: torch.cat allocates the grown layer cache before the old one is freed.
        kvConcatTransientLayers: 1,
        // ~650 MiB beyond the weights measured for ChatGLM-6B on a V100 (public benchmark note,
        // transformers 4.30.2: 12,473 MB in use), plus memory the driver withholds from the
        // nominal 32 GiB; rounded up to 1 GiB.
        fixedReserveBytes: GPUProfile.gibibyte,
        // Operator's choice: 4 GiB of activation headroom outside Θ (prefill of ~19k prompt
        // tokens fits; see docs/engine.md, "Memory").
        workspaceReserveBytes: 4 * GPUProfile.gibibyte)

    /// Llama-2-7B in fp16 on one A100-SXM4-80GB under Hugging Face transformers 4.3x (SDPA
    /// attention, cache grown by concatenation, logits of every prompt position upcast to fp32).
    /// Efficiency constants are estimates, not calibrated against a measurement.
    public static let a100Llama2_7B = EngineProfile(
        name: "a100-llama2-7b", gpu: .a100SXM4_80GB, model: .llama2_7B,
        // Estimate: ~33 ms per token single-stream (≈ 30 tokens/s, in line with public reports
        // of 20-31 tokens/s for 6-7B fp16 models under transformers on A100) minus 8.3 ms of
        // weight streaming.
        stepOverheadSeconds: 0.025,
        weightBandwidthEfficiency: 0.8,
        // Estimate: concatenation read + write and one attention read: 0.8 / 3.
        kvBandwidthEfficiency: 0.27,
        computeEfficiency: 0.5,
        // SDPA (memory-efficient kernel with an explicit padding mask): only the fp16 mask is read.
        prefillAttentionTrafficBytes: 2,
        // fp16 logits plus their fp32 upcast for every position (32,000 × 6), SwiGLU gate, up
        // and product (11,008 × 2 × 3), ~4 hidden-state copies (4,096 × 2 × 4).
        activationBytesPerToken: 32000 * 6 + 11008 * 6 + 4096 * 8,
        activationBytesPerRow: 0,
        // The 4-D fp16 attention mask; the fused kernel materialises no scores.
        attentionMatrixBytes: 2,
        kvConcatTransientLayers: 1,
        fixedReserveBytes: GPUProfile.gibibyte,
        workspaceReserveBytes: 4 * GPUProfile.gibibyte)

    /// Llama-3-8B in bf16 on one H100-SXM5-80GB under Hugging Face transformers ≥ 4.45 (SDPA
    /// attention with grouped-query heads repeated by `repeat_kv`, cache grown by
    /// concatenation, prefill logits only for the last position). Efficiency constants are
    /// estimates, not calibrated against a measurement.
    public static let h100Llama3_8B = EngineProfile(
        name: "h100-llama3-8b", gpu: .h100SXM5_80GB, model: .llama3_8B,
        // Estimate: the Python/launch overhead is host bound and similar to A100's, a little
        // lower with a newer host CPU; ~28 ms per token single-stream.
        stepOverheadSeconds: 0.022,
        weightBandwidthEfficiency: 0.8,
        // Estimate: concatenation read + write (2), repeat_kv read (1) and write of the 4×
        // expanded heads (4), attention read of the expanded heads (4): 0.8 / 11.
        kvBandwidthEfficiency: 0.073,
        // Estimate: an unfused eager-mode forward reaches a smaller share of H100's peak.
        computeEfficiency: 0.4,
        prefillAttentionTrafficBytes: 2,
        // SwiGLU (14,336 × 2 × 3) and ~4 hidden-state copies (4,096 × 2 × 4).
        activationBytesPerToken: 14336 * 6 + 4096 * 8,
        // Last-position logits, bf16 and fp32 (128,256 × 6).
        activationBytesPerRow: 128_256 * 6,
        attentionMatrixBytes: 2,
        kvConcatTransientLayers: 1,
        fixedReserveBytes: GPUProfile.gibibyte,
        workspaceReserveBytes: 4 * GPUProfile.gibibyte)
}
