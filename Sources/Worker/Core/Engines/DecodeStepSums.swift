/// Closed-form sums over a range of decoding steps g = 1 ... n of one batch, split by whether
/// the step is memory bound or compute bound. Both branches of the step time are linear in g,
/// so the compute-bound steps form one interval at one end of the range and every sum is an
/// arithmetic series: the cost of a batch is O(1) however many tokens it generates.
struct DecodeStepSums: Sendable, Equatable {
    /// Steps whose memory-traffic time is at least their compute time.
    var memorySteps = 0
    /// Σ (L + g) over the memory-bound steps.
    var memoryContextSum = 0.0
    /// Steps whose compute time exceeds their memory-traffic time.
    var computeSteps = 0
    /// Σ (L + g) over the compute-bound steps.
    var computeContextSum = 0.0

    /// Classifies steps 1 ... `lastStep` of a batch under `profile`'s constants.
    init(profile: EngineProfile, batchSize: Int, paddedInput: Int, lastStep: Int) {
        guard lastStep >= 1, batchSize > 0 else { return }
        let beta = Double(batchSize)
        let input = Double(paddedInput)
        let kvSecondsPerToken = profile.kvSecondsPerToken
        let flopSeconds = 1 / (profile.gpu.peakFLOPs * profile.computeEfficiency)
        // memory(g) = a + b g, compute(g) = c + d g
        let a = profile.weightStreamSeconds + beta * input * kvSecondsPerToken
        let b = beta * kvSecondsPerToken
        let c = (profile.model.denseFLOPsPerToken * beta + profile.model.attentionFLOPsPerPair * beta * input) * flopSeconds
        let d = profile.model.attentionFLOPsPerPair * beta * flopSeconds
        let alpha = c - a
        let gamma = d - b
        let n = lastStep
        // Compute-bound steps: those with alpha + gamma g > 0, an interval at one end of [1, n].
        var computeRange: ClosedRange<Int>? = nil
        if gamma == 0 {
            computeRange = alpha > 0 ? 1...n : nil
        } else if gamma > 0 {
            let t = min(max(-alpha / gamma, 0), Double(n))  // steps g > t
            let first = Int(t.rounded(.down)) + 1
            computeRange = first <= n ? first...n : nil
        } else {
            let t = min(max(alpha / -gamma, 0), Double(n) + 1)  // steps g < t
            let last = Int(t.rounded(.up)) - 1
            computeRange = last >= 1 ? 1...min(last, n) : nil
        }
        if let range = computeRange {
            computeSteps = range.count
            computeContextSum = Self.contextSum(range, input: input)
            if range.lowerBound > 1 {
                let rest = 1...(range.lowerBound - 1)
                memorySteps = rest.count
                memoryContextSum = Self.contextSum(rest, input: input)
            } else if range.upperBound < n {
                let rest = (range.upperBound + 1)...n
                memorySteps = rest.count
                memoryContextSum = Self.contextSum(rest, input: input)
            }
        } else {
            memorySteps = n
            memoryContextSum = Self.contextSum(1...n, input: input)
        }
    }

    /// Σ over g in `range` of (L + g).
    static func contextSum(_ range: ClosedRange<Int>, input: Double) -> Double {
        let count = Double(range.count)
        let first = Double(range.lowerBound)
        let last = Double(range.upperBound)
        return count * input + (first + last) * count / 2
    }

    /// Total seconds of these steps under `profile` (the one they were classified with).
    func seconds(profile: EngineProfile, batchSize: Int) -> Double {
        let beta = Double(batchSize)
        let flopSeconds = 1 / (profile.gpu.peakFLOPs * profile.computeEfficiency)
        let overhead = Double(memorySteps + computeSteps) * profile.stepOverheadSeconds
        let memory = Double(memorySteps) * profile.weightStreamSeconds
            + beta * memoryContextSum * profile.kvSecondsPerToken
        let compute = (profile.model.denseFLOPsPerToken * beta * Double(computeSteps)
            + profile.model.attentionFLOPsPerPair * beta * computeContextSum) * flopSeconds
        return overhead + memory + compute
    }
}
