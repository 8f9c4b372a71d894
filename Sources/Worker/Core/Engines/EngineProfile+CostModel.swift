import Shared

/// The cost and memory model of static batched greedy decoding as Hugging Face transformers
/// `generate` runs it (see docs/engine.md for the derivation). Notation: β = batch size,
/// L = L(B) the padded prompt length, g = tokens generated before a step, c = L + g the
/// context a decoding step attends over, W = weight bytes, Δ = KV bytes per token,
/// BW = peak bandwidth, F = peak FLOP/s.
///
/// Steps: step 0 is the prefill, which also emits the first token; step g ≥ 1 decodes token
/// g + 1 with a cache of c = L + g tokens. A batch whose longest row generates G tokens runs
/// max(G, 1) steps, 0 ... max(G, 1) − 1. Every row, padding and finished rows included, is
/// computed and its whole cache read at every step.
extension EngineProfile {
    /// Seconds to stream the weights once: W / (BW · η_w).
    public var weightStreamSeconds: Seconds {
        Double(model.weightBytes) / (gpu.memoryBandwidth * weightBandwidthEfficiency)
    }

    /// Seconds one cached token of one row costs per decoding step: Δ / (BW · η_kv).
    public var kvSecondsPerToken: Seconds {
        Double(model.kvBytesPerToken) / (gpu.memoryBandwidth * kvBandwidthEfficiency)
    }

    /// Forward passes a batch needs: max(G, 1).
    public func plannedSteps(generatedMax: Int) -> Int { max(generatedMax, 1) }

    /// Prefill of β × L tokens:
    /// o + max(W / (BW η_w), (2 P β L + 4 layers H d β L²) / (F η_c)) + β L² layers s / (BW η_w),
    /// s = `prefillAttentionTrafficBytes` (materialised attention scores).
    public func prefillSeconds(batchSize: Int, paddedInput: Int) -> Seconds {
        let beta = Double(max(batchSize, 0))
        let input = Double(max(paddedInput, 0))
        let flops = model.denseFLOPsPerToken * beta * input + model.attentionFLOPsPerPair * beta * input * input
        let compute = flops / (gpu.peakFLOPs * computeEfficiency)
        let scores = beta * input * input * Double(model.layers) * prefillAttentionTrafficBytes
            / (gpu.memoryBandwidth * weightBandwidthEfficiency)
        return stepOverheadSeconds + max(weightStreamSeconds, compute) + scores
    }

    /// Decoding step g ≥ 1 with c = L + g cached tokens per row:
    /// o + max(W / (BW η_w) + β c Δ / (BW η_kv), (2 P β + 4 layers H d β c) / (F η_c)).
    public func decodeStepSeconds(batchSize: Int, paddedInput: Int, generated: Int) -> Seconds {
        let beta = Double(max(batchSize, 0))
        let context = Double(max(paddedInput, 0) + max(generated, 0))
        let memory = weightStreamSeconds + beta * context * kvSecondsPerToken
        let compute = (model.denseFLOPsPerToken * beta + model.attentionFLOPsPerPair * beta * context)
            / (gpu.peakFLOPs * computeEfficiency)
        return stepOverheadSeconds + max(memory, compute)
    }

    /// Seconds of step `generated` (0 = the prefill, g ≥ 1 a decoding step).
    public func stepTime(batchSize: Int, paddedInput: Int, generated: Int) -> Seconds {
        generated <= 0
            ? prefillSeconds(batchSize: batchSize, paddedInput: paddedInput)
            : decodeStepSeconds(batchSize: batchSize, paddedInput: paddedInput, generated: generated)
    }

    /// KV cache after step g: β (L + g) Δ bytes.
    public func kvCacheBytes(batchSize: Int, paddedInput: Int, generated: Int) -> Int {
        Self.clampedBytes(
            Double(max(batchSize, 0)) * Double(max(paddedInput, 0) + max(generated, 0))
                * Double(model.kvBytesPerToken))
    }

    /// workspace(β, L, g): everything but weights and KV cache in use at step g.
    /// - prefill: R + β L a_tok + β a_row + β L² m
    /// - decode:  R + β (a_tok + a_row) + β c m + k β c Δ / layers
    /// with R the fixed reserve, a_tok / a_row the activation bytes per token / row, m the
    /// attention matrix bytes, k the layers whose cache is duplicated by concatenation.
    public func workspaceBytes(batchSize: Int, paddedInput: Int, generated: Int) -> Int {
        Self.clampedBytes(workspace(batchSize: batchSize, paddedInput: paddedInput, generated: generated))
    }

    /// Device memory in use at step g: W + β (L + g) Δ + workspace(β, L, g).
    public func memoryBytes(batchSize: Int, paddedInput: Int, generated: Int) -> Int {
        Self.clampedBytes(memory(batchSize: batchSize, paddedInput: paddedInput, generated: generated))
    }

    /// The first step (0 = prefill) whose memory exceeds the device, or nil if every one of
    /// the max(G, 1) steps fits. Decoding memory only grows with g, so a binary search finds it.
    public func firstOutOfMemoryStep(batchSize: Int, paddedInput: Int, generatedMax: Int) -> Int? {
        let limit = Double(gpu.memoryBytes)
        if memory(batchSize: batchSize, paddedInput: paddedInput, generated: 0) > limit { return 0 }
        let last = plannedSteps(generatedMax: generatedMax) - 1
        guard last >= 1, memory(batchSize: batchSize, paddedInput: paddedInput, generated: last) > limit else {
            return nil
        }
        var low = 1  // candidates low ... last; memory(last) exceeds
        var high = last
        while low < high {
            let mid = low + (high - low) / 2
            if memory(batchSize: batchSize, paddedInput: paddedInput, generated: mid) > limit {
                high = mid
            } else {
                low = mid + 1
            }
        }
        return low
    }

    /// Predicts one batch run: duration (prefill plus every decoding step, or the steps before
    /// the failing one), peak memory and the OOM step if any. Runs in O(log G).
    public func predictRun(batchSize: Int, paddedInput: Int, generatedMax: Int) -> RunPrediction {
        let planned = plannedSteps(generatedMax: generatedMax)
        let oom = firstOutOfMemoryStep(batchSize: batchSize, paddedInput: paddedInput, generatedMax: generatedMax)
        let completed = oom ?? planned
        var prefill = 0.0
        var decode = 0.0
        var peak = 0
        if completed >= 1 {
            prefill = prefillSeconds(batchSize: batchSize, paddedInput: paddedInput)
            let sums = DecodeStepSums(
                profile: self, batchSize: batchSize, paddedInput: paddedInput, lastStep: completed - 1)
            decode = sums.seconds(profile: self, batchSize: batchSize)
            peak = max(
                memoryBytes(batchSize: batchSize, paddedInput: paddedInput, generated: 0),
                memoryBytes(batchSize: batchSize, paddedInput: paddedInput, generated: completed - 1))
        }
        return RunPrediction(
            batchSize: batchSize, paddedInput: paddedInput, generatedMax: generatedMax, plannedSteps: planned,
            completedSteps: completed, prefillSeconds: prefill, decodeSeconds: decode, peakMemoryBytes: peak,
            outOfMemoryStep: oom,
            requiredBytes: oom.map { memoryBytes(batchSize: batchSize, paddedInput: paddedInput, generated: $0) },
            availableBytes: gpu.memoryBytes)
    }

    // MARK: Internals (in Double so that absurd inputs saturate instead of trapping)

    func workspace(batchSize: Int, paddedInput: Int, generated: Int) -> Double {
        let beta = Double(max(batchSize, 0))
        let input = Double(max(paddedInput, 0))
        let reserve = Double(fixedReserveBytes)
        let perToken = Double(activationBytesPerToken)
        let perRow = Double(activationBytesPerRow)
        let matrix = Double(attentionMatrixBytes)
        if generated <= 0 {
            return reserve + beta * input * perToken + beta * perRow + beta * input * input * matrix
        }
        let context = input + Double(generated)
        let transient = Double(kvConcatTransientLayers) * beta * context * Double(model.kvBytesPerTokenPerLayer)
        return reserve + beta * (perToken + perRow) + beta * context * matrix + transient
    }

    func memory(batchSize: Int, paddedInput: Int, generated: Int) -> Double {
        let kv = Double(max(batchSize, 0)) * Double(max(paddedInput, 0) + max(generated, 0))
            * Double(model.kvBytesPerToken)
        return Double(model.weightBytes) + kv + workspace(batchSize: batchSize, paddedInput: paddedInput, generated: generated)
    }

    static func clampedBytes(_ value: Double) -> Int {
        value >= 9.0e18 ? Int(9.0e18) : Int(value.rounded(.up))
    }
}
