import Shared

/// Fitting the time constants to measured batch logs, so that the simulator can mimic a real
/// cluster. See docs/engine.md, "Fitting to logs".
extension EngineProfile {
    /// This profile with o, η_kv and (when determined) η_c fitted to `samples` by least squares
    /// on relative error. Throws when the samples cannot determine the constants.
    public func fitted(from samples: [BatchTimingSample]) throws(EngineError) -> EngineProfile {
        try fit(samples).profile
    }

    /// Tuple form of `fitted(from:)`.
    public func fitted(
        from samples: [(batchSize: Int, paddedInput: Int, generatedMax: Int, seconds: Double)]
    ) throws(EngineError) -> EngineProfile {
        try fitted(from: samples.map {
            BatchTimingSample(batchSize: $0.batchSize, paddedInput: $0.paddedInput, generatedMax: $0.generatedMax, seconds: $0.seconds)
        })
    }

    /// Fits o (per-step overhead), η_kv and, when some samples have compute-bound steps, η_c.
    ///
    /// Given which steps are memory and which compute bound, a batch's time is linear in
    /// (o, 1/η_kv, 1/η_c) (docs/engine.md), so the fit alternates: classify every step under
    /// the current constants, solve the weighted linear least-squares problem, repeat until the
    /// classification no longer changes. η_w and the datasheet figures stay as they are: o and
    /// W / (BW η_w) are paid once per step alike and cannot be told apart from times alone; the
    /// fitted o absorbs any error in η_w. A negative o is folded into η_w (with a warning).
    public func fit(_ samples: [BatchTimingSample]) throws(EngineError) -> EngineFit {
        guard samples.count >= 2 else { throw EngineError("fit needs at least 2 samples, got \(samples.count)") }
        for sample in samples {
            guard sample.batchSize >= 1, sample.paddedInput >= 0, sample.generatedMax >= 0,
                sample.seconds.isFinite, sample.seconds > 0
            else { throw EngineError("invalid timing sample \(sample)") }
        }
        var current = self
        var iterations = 0
        var converged = false
        var fittedCompute = false
        while iterations < 50 {
            iterations += 1
            let system = FitSystem(profile: current, base: self, samples: samples)
            let useCompute = system.computeColumn.contains { $0 > 0 }
            let rows = samples.indices.map { index in
                useCompute
                    ? [system.overheadColumn[index], system.kvColumn[index], system.computeColumn[index]]
                    : [system.overheadColumn[index], system.kvColumn[index]]
            }
            let targets = samples.indices.map { samples[$0].seconds - system.constant[$0] }
            let weights = samples.map { 1 / ($0.seconds * $0.seconds) }
            guard let solution = LeastSquares.solve(rows: rows, targets: targets, weights: weights) else {
                throw EngineError(
                    "the samples do not determine the constants: vary batch size, prompt and generation lengths")
            }
            guard solution[1] > 0 else {
                throw EngineError("fitted KV cost is not positive: the samples show no growth with β·(L+G)")
            }
            var next = current
            next.stepOverheadSeconds = solution[0]
            next.kvBandwidthEfficiency = 1 / solution[1]
            if useCompute {
                guard solution[2] > 0 else { throw EngineError("fitted compute cost is not positive") }
                next.computeEfficiency = 1 / solution[2]
            }
            fittedCompute = useCompute
            let same = FitSystem(profile: next, base: self, samples: samples).regimes == system.regimes
            current = next
            if same {
                converged = true
                break
            }
        }
        var warnings: [String] = []
        if !converged { warnings.append("step classification did not settle in \(iterations) rounds") }
        if current.stepOverheadSeconds < 0 {
            // o + W / (BW η_w) is what the times determine; keep it, with o = 0.
            let perStep = current.stepOverheadSeconds + current.weightStreamSeconds
            guard perStep > 0 else { throw EngineError("fitted per-step time is not positive") }
            current.weightBandwidthEfficiency = Double(model.weightBytes) / (gpu.memoryBandwidth * perStep)
            current.stepOverheadSeconds = 0
            warnings.append(
                "negative overhead folded into weight bandwidth efficiency \(current.weightBandwidthEfficiency)")
        }
        if current.weightBandwidthEfficiency > 1 { warnings.append("weight bandwidth efficiency above 1") }
        if current.kvBandwidthEfficiency > 1 { warnings.append("KV bandwidth efficiency above 1") }
        if current.computeEfficiency > 1 { warnings.append("compute efficiency above 1") }
        var squared = 0.0
        var relative = 0.0
        for sample in samples {
            let predicted = current.uninterruptedSeconds(
                batchSize: sample.batchSize, paddedInput: sample.paddedInput, generatedMax: sample.generatedMax)
            squared += (predicted - sample.seconds) * (predicted - sample.seconds)
            relative += abs(predicted - sample.seconds) / sample.seconds
        }
        let count = Double(samples.count)
        return EngineFit(
            profile: current, sampleCount: samples.count, rmsErrorSeconds: (squared / count).squareRoot(),
            meanRelativeError: relative / count, fittedComputeEfficiency: fittedCompute, iterations: iterations,
            warnings: warnings)
    }

    /// Seconds of a batch that runs all its max(G, 1) steps, memory ignored.
    func uninterruptedSeconds(batchSize: Int, paddedInput: Int, generatedMax: Int) -> Seconds {
        let sums = DecodeStepSums(
            profile: self, batchSize: batchSize, paddedInput: paddedInput,
            lastStep: plannedSteps(generatedMax: generatedMax) - 1)
        return prefillSeconds(batchSize: batchSize, paddedInput: paddedInput)
            + sums.seconds(profile: self, batchSize: batchSize)
    }
}
