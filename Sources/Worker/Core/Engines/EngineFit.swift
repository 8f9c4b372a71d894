/// The result of fitting a profile's time constants to logged batches: the fitted profile and
/// how well it explains the samples.
public struct EngineFit: Sendable, Hashable {
    /// The base profile with o, η_kv and (when the samples determine it) η_c replaced.
    public var profile: EngineProfile
    /// Samples used.
    public var sampleCount: Int
    /// Root-mean-square error of the predicted batch times, in seconds.
    public var rmsErrorSeconds: Double
    /// Mean of |predicted − measured| / measured.
    public var meanRelativeError: Double
    /// True when η_c was fitted (some samples have compute-bound steps); otherwise the base
    /// profile's value is kept.
    public var fittedComputeEfficiency: Bool
    /// Regime-classification rounds until the fit settled.
    public var iterations: Int
    /// Things a caller should know: a negative overhead folded into η_w, efficiencies above 1.
    public var warnings: [String]

    public init(
        profile: EngineProfile, sampleCount: Int, rmsErrorSeconds: Double, meanRelativeError: Double,
        fittedComputeEfficiency: Bool, iterations: Int, warnings: [String]
    ) {
        self.profile = profile
        self.sampleCount = sampleCount
        self.rmsErrorSeconds = rmsErrorSeconds
        self.meanRelativeError = meanRelativeError
        self.fittedComputeEfficiency = fittedComputeEfficiency
        self.iterations = iterations
        self.warnings = warnings
    }
}
