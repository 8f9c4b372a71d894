import Shared

/// Parameters of uncertainty-aware batching.
public struct UncertaintyConfiguration: Sendable, Hashable, Codable {
    /// Largest accepted probability that a batch's KV cache outgrows the memory budget.
    public var riskTarget: Double
    /// Quantile reported as a prediction's upper bound (and judged for coverage).
    public var upperLevel: Double
    /// Quantile used as the expected length G' for WMA grouping and T_p (0.5 = the median).
    public var groupingLevel: Double
    /// Bounded decoding: the quantile a batch is capped at and reserves memory for (its
    /// members' largest); a lower level packs more rows and continues more of them.
    public var capLevel: Double
    /// Bounded decoding: the quantile of the remaining length, given the tokens generated so
    /// far, that a continued request's next batch is capped at.
    public var continuationLevel: Double
    /// Recent completions per application that the guard judges coverage on.
    public var guardWindow: Int
    /// Fewest completions in the window before the guard judges.
    public var guardMinimumSamples: Int
    /// An application whose recent coverage of its upper bound falls this far below
    /// `upperLevel` is no longer trusted: its requests are batched for their worst case
    /// (max_new_tokens) until coverage recovers.
    public var guardDistrustMargin: Double
    /// Coverage within this distance of `upperLevel` makes a distrusted application trusted again.
    public var guardTrustMargin: Double
    /// Recent actual / predicted ratios kept per application for online recalibration.
    public var recalibrationWindow: Int
    /// New observations between two recalibrations of an application.
    public var recalibrationEvery: Int
    /// Bounded decoding: each batch runs at most to its members' largest upper bound, and
    /// memory is reserved for exactly that, so a batch cannot outgrow its KV budget; rows
    /// still generating there are continued in a later batch. When false, batches run to
    /// completion and the memory check bounds the probability of an OOM by `riskTarget`.
    public var boundedGeneration: Bool

    public init(
        riskTarget: Double = 0.02, groupingLevel: Double = 0.5, upperLevel: Double = 0.9, capLevel: Double = 0.5, continuationLevel: Double = 0.5, guardWindow: Int = 100, guardMinimumSamples: Int = 30,
        guardDistrustMargin: Double = 0.15, guardTrustMargin: Double = 0.05, recalibrationWindow: Int = 500,
        recalibrationEvery: Int = 50, boundedGeneration: Bool = true
    ) {
        self.boundedGeneration = boundedGeneration
        self.riskTarget = riskTarget
        self.upperLevel = upperLevel
        self.groupingLevel = groupingLevel
        self.capLevel = capLevel
        self.continuationLevel = continuationLevel
        self.guardWindow = guardWindow
        self.guardMinimumSamples = guardMinimumSamples
        self.guardDistrustMargin = guardDistrustMargin
        self.guardTrustMargin = guardTrustMargin
        self.recalibrationWindow = recalibrationWindow
        self.recalibrationEvery = recalibrationEvery
    }
}

/// The scheduler's knowledge of how wrong its length predictions can be: calibrated
/// per-application ratio distributions, recalibrated online from worker reports, and a
/// guard that stops trusting an application whose recent outputs escape their bounds (a new
/// application, drift) so that its requests are batched for the worst case instead of
/// causing an OOM storm.
public struct UncertaintyModel: Sendable {
    public let configuration: UncertaintyConfiguration
    public private(set) var calibration: LengthCalibration
    /// Applications whose requests are currently batched for their worst case.
    public private(set) var distrusted: Set<String> = []
    private var coverage: [String: [Bool]] = [:]
    private var recentRatios: [String: [Double]] = [:]
    private var sinceRecalibration: [String: Int] = [:]

    public init(calibration: LengthCalibration, configuration: UncertaintyConfiguration = .init()) {
        self.calibration = calibration
        self.configuration = configuration
    }

    /// Whether batches may rely on an application's calibrated distribution.
    public func trusts(_ application: String) -> Bool {
        calibration.knows(application) && !distrusted.contains(application)
    }

    /// The calibrated prediction: the grouping quantile (the median) as `expected`, the upper
    /// quantile as `modelUpper`; `upper`, what memory is reserved for, is the cap quantile
    /// under bounded decoding and the upper quantile otherwise, or `max_new_tokens` when the
    /// application is not trusted.
    public func calibrate(_ raw: LengthPrediction, for request: Request) -> LengthPrediction {
        let limit = max(1, request.maxNewTokens)
        // Whole-token bounds: G ≤ s·Q holds exactly when G ≤ floor(s·Q).
        func bound(_ level: Double) -> Int {
            min(limit, calibration.bound(level, application: request.application, scale: raw.scale))
        }
        // Without a calibrated distribution the only bound to stand behind is the worst case.
        let known = calibration.knows(request.application)
        let upper = known ? bound(configuration.upperLevel) : limit
        let reserved = configuration.boundedGeneration ? bound(configuration.capLevel) : upper
        return LengthPrediction(
            expected: bound(configuration.groupingLevel),
            upper: trusts(request.application) ? reserved : limit, modelUpper: upper, scale: raw.scale)
    }

    /// The prediction for what a request stopped at a cap after `generated` tokens still has
    /// to generate: its calibrated distribution conditioned on exceeding `generated` (median
    /// and upper quantile of G − generated), or, past every calibration sample, as many tokens
    /// again as the expectation and twice that as the bound; within `remaining`.
    /// - Complexity: O(log n).
    public func continuation(
        of original: LengthPrediction, application: String, generated: Int, remaining: Int
    ) -> LengthPrediction {
        let cap = max(1, remaining)
        let scale = original.scale
        let conditional = calibration.tail(above: Double(generated) / scale, application: application)
        var expected = Double(max(1, generated))
        var upper = 2 * expected
        if let median = LengthCalibration.conformalQuantile(configuration.groupingLevel, of: conditional),
            let bound = LengthCalibration.conformalQuantile(configuration.continuationLevel, of: conditional)
        {
            expected = scale * median - Double(generated)
            upper = scale * bound - Double(generated)
        }
        let expectedTokens = LengthCalibration.wholeTokens(atMost: min(expected, Double(cap)))
        let reserved = min(cap, max(expectedTokens, LengthCalibration.wholeTokens(atMost: min(upper, Double(cap)))))
        return LengthPrediction(
            expected: expectedTokens, upper: trusts(application) ? reserved : cap,
            modelUpper: original.modelUpper, scale: scale)
    }

    /// Probability that at least one member generates more than `generationCap` tokens (so
    /// the batch's KV cache outgrows its budget), members assumed independent.
    /// - Complexity: O(β log n).
    public func exceedanceProbability(_ members: some Sequence<QueuedRequest>, generationCap: Int) -> Double {
        var fits = 1.0
        for member in members {
            let worst = member.remainingTokens
            if generationCap >= worst { continue }
            if generationCap < 1 { return 1 }
            guard trusts(member.request.application) else { return 1 }
            fits *= calibration.probability(
                ratioAtMost: Double(generationCap) / member.prediction.scale, application: member.request.application)
            if fits == 0 { return 1 }
        }
        return 1 - fits
    }

    /// Adopts the distributions measured for a new predictor (retraining): applications it
    /// covers replace their ratios, and their online window restarts because its ratios were
    /// relative to the old predictor; others keep theirs until online recalibration renews
    /// them. The guard's state carries over.
    public mutating func adopt(_ measured: LengthCalibration) {
        for (application, ratios) in measured.ratios {
            recalibrate(application, ratios: ratios, minimum: 1)
            recentRatios[application] = nil
            sinceRecalibration[application] = 0
        }
    }

    /// Replaces an application's distribution. One calibrated for the first time starts a
    /// fresh guard window: the bounds judged so far were uncalibrated guesses.
    private mutating func recalibrate(_ application: String, ratios: [Double], minimum: Int? = nil) {
        let wasKnown = calibration.knows(application)
        calibration.update(application: application, ratios: ratios, minimum: minimum)
        if !wasKnown && calibration.knows(application) {
            coverage[application] = []
            distrusted.remove(application)
        }
    }

    /// Learns from a finished request: coverage for the guard, and its ratio for online
    /// recalibration.
    public mutating func observe(application: String, prediction: LengthPrediction, generated: Int) {
        var window = coverage[application, default: []]
        window.append(generated <= prediction.modelUpper)
        if window.count > configuration.guardWindow { window.removeFirst(window.count - configuration.guardWindow) }
        coverage[application] = window
        if window.count >= configuration.guardMinimumSamples {
            let covered = Double(window.filter { $0 }.count) / Double(window.count)
            if covered < configuration.upperLevel - configuration.guardDistrustMargin {
                distrusted.insert(application)
            } else if covered >= configuration.upperLevel - configuration.guardTrustMargin {
                distrusted.remove(application)
            }
        }
        var ratios = recentRatios[application, default: []]
        ratios.append(Double(max(generated, 1)) / prediction.scale)
        if ratios.count > configuration.recalibrationWindow { ratios.removeFirst(ratios.count - configuration.recalibrationWindow) }
        recentRatios[application] = ratios
        sinceRecalibration[application, default: 0] += 1
        if sinceRecalibration[application]! >= configuration.recalibrationEvery {
            sinceRecalibration[application] = 0
            recalibrate(application, ratios: ratios)
        }
    }

    /// Coverage of the upper bound over the guard's window, per application.
    public var recentCoverage: [String: Double] {
        coverage.mapValues { window in window.isEmpty ? .nan : Double(window.filter { $0 }.count) / Double(window.count) }
    }
}
