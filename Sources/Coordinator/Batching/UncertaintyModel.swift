import Shared

/// Parameters of uncertainty-aware batching.
public struct UncertaintyConfiguration: Sendable, Hashable, Codable {
    /// Largest accepted probability that a batch's KV cache outgrows the memory budget.
    public var riskTarget: Double
    /// Quantile reported as a prediction's upper bound (and judged for coverage).
    public var upperLevel: Double
    /// Quantile used as the expected length G' for WMA grouping and T_p (0.5 = the median).
    public var groupingLevel: Double
    /// Recent completions per application that the guard judges coverage on.
    public var guardWindow: Int
    /// Fewest completions in the window before the guard judges.
    public var guardMinimumSamples: Int
    /// Below this coverage of the upper bound an application is no longer trusted: its
    /// requests are batched for their worst case (max_new_tokens) until coverage recovers.
    public var guardDistrustBelow: Double
    /// Coverage at which a distrusted application is trusted again.
    public var guardTrustAbove: Double
    /// Recent actual / predicted ratios kept per application for online recalibration.
    public var recalibrationWindow: Int
    /// New observations between two recalibrations of an application.
    public var recalibrationEvery: Int

    public init(
        riskTarget: Double = 0.02, groupingLevel: Double = 0.5, upperLevel: Double = 0.9, guardWindow: Int = 100, guardMinimumSamples: Int = 30,
        guardDistrustBelow: Double = 0.75, guardTrustAbove: Double = 0.85, recalibrationWindow: Int = 500,
        recalibrationEvery: Int = 50
    ) {
        self.riskTarget = riskTarget
        self.upperLevel = upperLevel
        self.groupingLevel = groupingLevel
        self.guardWindow = guardWindow
        self.guardMinimumSamples = guardMinimumSamples
        self.guardDistrustBelow = guardDistrustBelow
        self.guardTrustAbove = guardTrustAbove
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

    /// The calibrated prediction: median as `expected`, the upper quantile as `modelUpper`,
    /// and as `upper` too unless the application is not trusted (then `max_new_tokens`).
    public func calibrate(_ raw: LengthPrediction, for request: Request) -> LengthPrediction {
        let cap = max(1, request.maxNewTokens)
        let median = raw.scale * calibration.quantile(configuration.groupingLevel, application: request.application)
        let upper = min(cap, Int((raw.scale * calibration.quantile(configuration.upperLevel, application: request.application)).rounded(.up)))
        return LengthPrediction(
            expected: min(cap, Int(median.rounded())), upper: trusts(request.application) ? upper : cap,
            modelUpper: upper, scale: raw.scale)
    }

    /// Probability that at least one member generates more than `generationCap` tokens (so
    /// the batch's KV cache outgrows its budget), members assumed independent.
    /// - Complexity: O(β log n).
    public func exceedanceProbability(_ members: some Sequence<QueuedRequest>, generationCap: Int) -> Double {
        var fits = 1.0
        for member in members {
            let worst = member.request.maxNewTokens
            if generationCap >= worst { continue }
            if generationCap < 1 { return 1 }
            guard trusts(member.request.application) else { return 1 }
            fits *= calibration.probability(
                ratioAtMost: Double(generationCap) / member.prediction.scale, application: member.request.application)
            if fits == 0 { return 1 }
        }
        return 1 - fits
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
            if covered < configuration.guardDistrustBelow {
                distrusted.insert(application)
            } else if covered >= configuration.guardTrustAbove {
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
            calibration.update(application: application, ratios: ratios)
        }
    }

    /// Coverage of the upper bound over the guard's window, per application.
    public var recentCoverage: [String: Double] {
        coverage.mapValues { window in window.isEmpty ? .nan : Double(window.filter { $0 }.count) / Double(window.count) }
    }
}
