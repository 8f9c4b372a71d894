import Shared

/// The documented prior used while too few batches have been logged: static batched decoding
/// is memory bound, so serving time is a prefill plus G(B) steps, each of which reads the
/// weights (a fixed per-step cost) and every row's KV cache:
///
///     T = prefillPerToken · β · L + Σ_{g=1}^{G} (stepOverhead + kvReadPerToken · β · (L + g))
///       = prefillPerToken · β · L + G · stepOverhead + kvReadPerToken · β · (G · L + G (G + 1) / 2)
///
/// Defaults approximate one V100-32GB running ChatGLM-6B under Hugging Face transformers
/// (docs/engine.md); the KNN estimator replaces the prior as soon as it has data.
public struct AnalyticBatchTimeModel: BatchTimeEstimating, Hashable, Codable {
    public var stepOverhead: Seconds
    public var kvReadPerToken: Seconds
    public var prefillPerToken: Seconds

    public init(stepOverhead: Seconds = 0.055, kvReadPerToken: Seconds = 8.5e-7, prefillPerToken: Seconds = 1.2e-4) {
        self.stepOverhead = stepOverhead
        self.kvReadPerToken = kvReadPerToken
        self.prefillPerToken = prefillPerToken
    }

    public func estimate(_ batch: BatchFeatures) -> Seconds {
        let beta = Double(batch.batchSize), l = Double(batch.maxInput), g = Double(max(1, batch.maxGeneration))
        return prefillPerToken * beta * l + g * stepOverhead + kvReadPerToken * beta * (g * l + g * (g + 1) / 2)
    }
}
