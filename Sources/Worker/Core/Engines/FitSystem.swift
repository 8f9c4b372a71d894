/// The linear system of one fitting round: for each sample, time = constant + overhead · o
/// + kv · (1/η_kv) + compute · (1/η_c), with every step's regime fixed by `profile`.
struct FitSystem {
    var overheadColumn: [Double] = []
    var kvColumn: [Double] = []
    var computeColumn: [Double] = []
    var constant: [Double] = []
    /// Per sample: memory-bound decoding steps and whether the prefill is compute bound.
    var regimes: [[Int]] = []

    init(profile: EngineProfile, base: EngineProfile, samples: [BatchTimingSample]) {
        let bandwidth = profile.gpu.memoryBandwidth
        let peak = profile.gpu.peakFLOPs
        let model = profile.model
        let weightSeconds = base.weightStreamSeconds
        for sample in samples {
            let beta = Double(sample.batchSize)
            let input = Double(sample.paddedInput)
            let lastStep = profile.plannedSteps(generatedMax: sample.generatedMax) - 1
            let sums = DecodeStepSums(
                profile: profile, batchSize: sample.batchSize, paddedInput: sample.paddedInput, lastStep: lastStep)
            let prefillFLOPs = model.denseFLOPsPerToken * beta * input + model.attentionFLOPsPerPair * beta * input * input
            let prefillComputeBound = prefillFLOPs / (peak * profile.computeEfficiency) > weightSeconds
            let scores = beta * input * input * Double(model.layers) * base.prefillAttentionTrafficBytes
                / (bandwidth * base.weightBandwidthEfficiency)
            overheadColumn.append(Double(1 + lastStep))
            kvColumn.append(beta * Double(model.kvBytesPerToken) / bandwidth * sums.memoryContextSum)
            computeColumn.append(
                ((prefillComputeBound ? prefillFLOPs : 0)
                    + model.denseFLOPsPerToken * beta * Double(sums.computeSteps)
                    + model.attentionFLOPsPerPair * beta * sums.computeContextSum) / peak)
            constant.append(
                scores + (prefillComputeBound ? 0 : weightSeconds) + Double(sums.memorySteps) * weightSeconds)
            regimes.append([sums.memorySteps, prefillComputeBound ? 1 : 0])
        }
    }
}
