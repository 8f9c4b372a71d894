import Shared

/// A batching policy as operators and the benchmark name it: the paper's baselines, Magnus,
/// its uncertainty-aware variants, and two that only the simulator runs (Magnus with the
/// true lengths, and conservative continuous batching, which needs an iteration-level
/// engine). The one parser of policy names, for the coordinator's `policy` option and for
/// `magnus bench --policies`.
public enum PolicyChoice: Sendable, Hashable, CustomStringConvertible {
    /// `vs:N`: vanilla scheduling, first come first served at a fixed batch size.
    case vanilla(batchSize: Int)
    /// `glp:N`: WMA batching with the predictor at a batch-size cap, FCFS.
    case glp(batchSize: Int)
    /// `abp`: WMA batching with adaptive batch size, FCFS.
    case abp
    /// `magnus`: ABP with the batch-time estimator and HRRN.
    case magnus
    /// `magnus-ua` (or `ua`): uncertainty-aware Magnus (docs/benchmarks.md section 6):
    /// calibrated length intervals, capped batches whose rows past the cap continue later,
    /// the prefill memory check and the drift guard.
    case magnusUncertaintyAware
    /// `magnus-ua-risk`: uncertainty-aware Magnus whose batches run to completion under a
    /// risk-bounded memory check instead of being capped.
    case magnusUncertaintyAwareRisk
    /// `oracle`: Magnus with the true lengths instead of predictions (simulator only).
    case oracle
    /// `ccb`: conservative continuous batching on continuous workers: FCFS, reserving
    /// L + max_new_tokens.
    case conservativeContinuousBatching
    /// `fcfs-cb`: vLLM-like continuous batching: FCFS, admitted while the worker's free KV
    /// blocks cover the prompt and a watermark, preemption by recompute.
    case pagedContinuousBatching
    /// `magnus-cb`, `magnus-cb:AGING` or `magnus-cb:AGING:GUARD`: length-aware continuous
    /// batching: response-ratio order on the predicted remaining length (aging as given)
    /// with the tail guard, reserving the calibrated quantile, re-predicted from progress.
    case magnusContinuous(aging: Double, tailGuard: Double)
    /// `oracle-cb`: continuous batching with the true lengths, shortest remaining first and
    /// exact reservations (simulator only).
    case oracleContinuous

    /// Every spelling, for help text.
    public static let syntax = "vs:N|glp:N|abp|magnus|magnus-ua|magnus-ua-risk|oracle|ccb|fcfs-cb|magnus-cb|magnus-cb:AGING|magnus-cb:AGING:GUARD|oracle-cb"
    /// The spellings of the policies the coordinator service runs.
    public static let serviceSyntax = "vs:N|glp:N|abp|magnus|magnus-ua|magnus-ua-risk|ccb|fcfs-cb|magnus-cb|magnus-cb:AGING|magnus-cb:AGING:GUARD"

    /// The policy named `text` (any letter case).
    /// - Throws: `UsageError` that lists the choices, or asks for a batch size.
    public static func parse(_ text: String) throws(UsageError) -> PolicyChoice {
        do throws(ConfigValueError) {
            return try PolicyChoice(argument: text)
        } catch {
            throw UsageError("policy \(error.reason)")
        }
    }

    /// The canonical spelling: `vs:8`, `magnus-ua`, …
    public var name: String {
        switch self {
        case .vanilla(let size): "vs:\(size)"
        case .glp(let size): "glp:\(size)"
        case .abp: "abp"
        case .magnus: "magnus"
        case .magnusUncertaintyAware: "magnus-ua"
        case .magnusUncertaintyAwareRisk: "magnus-ua-risk"
        case .oracle: "oracle"
        case .conservativeContinuousBatching: "ccb"
        case .pagedContinuousBatching: "fcfs-cb"
        case .magnusContinuous(let aging, let guardFactor):
            guardFactor != ContinuousPolicy.defaultTailGuard
                ? "magnus-cb:\(aging):\(guardFactor)"
                : aging == ContinuousPolicy.defaultAging ? "magnus-cb" : "magnus-cb:\(aging)"
        case .oracleContinuous: "oracle-cb"
        }
    }

    public var description: String { name }

    /// The scheduler's batching policy; nil for the continuous policies.
    public var batchingPolicy: BatchingPolicy? {
        switch self {
        case .vanilla(let size): .vanilla(batchSize: size)
        case .glp(let size): .glp(batchSize: size)
        case .abp: .abp
        case .magnus, .magnusUncertaintyAware, .magnusUncertaintyAwareRisk, .oracle: .magnus
        case .conservativeContinuousBatching, .pagedContinuousBatching, .magnusContinuous, .oracleContinuous: nil
        }
    }

    /// The request-level policy for continuous workers; nil for the static policies.
    public var continuousPolicy: ContinuousPolicy? {
        switch self {
        case .conservativeContinuousBatching: .conservative
        case .pagedContinuousBatching: .pagedFirstComeFirstServed
        case .magnusContinuous(let aging, let guardFactor): .magnus(aging: aging, tailGuard: guardFactor)
        case .oracleContinuous: .oracle
        default: nil
        }
    }

    /// Whether the scheduler runs with calibrated length distributions and the drift guard
    /// (`magnus-cb` reserves their quantile).
    public var isUncertaintyAware: Bool {
        switch self {
        case .magnusUncertaintyAware, .magnusUncertaintyAwareRisk, .magnusContinuous: true
        default: false
        }
    }

    /// For an uncertainty-aware policy: whether batches are capped (bounded decoding) rather
    /// than run to completion under the risk-bounded memory check.
    public var boundedGeneration: Bool { self == .magnusUncertaintyAware }

    /// Whether the coordinator service can run it (the oracles need the true lengths, which
    /// only the simulator has).
    public var runsInService: Bool { self != .oracle && self != .oracleContinuous }
}

extension PolicyChoice: ConfigValue {
    public static var placeholder: String { "POLICY" }

    public init(argument text: String) throws(ConfigValueError) {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        func size() throws(ConfigValueError) -> Int {
            guard parts.count == 2, let size = Int(parts[1]), size >= 1 else {
                throw ConfigValueError("\(parts[0]) needs a batch size of at least 1, e.g. \(parts[0]):8, got '\(text)'")
            }
            return size
        }
        switch (parts[0], parts.count) {
        case ("vs", _): self = .vanilla(batchSize: try size())
        case ("glp", _): self = .glp(batchSize: try size())
        case ("abp", 1): self = .abp
        case ("magnus", 1): self = .magnus
        case ("magnus-ua", 1), ("ua", 1): self = .magnusUncertaintyAware
        case ("magnus-ua-risk", 1): self = .magnusUncertaintyAwareRisk
        case ("oracle", 1): self = .oracle
        case ("ccb", 1): self = .conservativeContinuousBatching
        case ("fcfs-cb", 1): self = .pagedContinuousBatching
        case ("magnus-cb", 1):
            self = .magnusContinuous(aging: ContinuousPolicy.defaultAging, tailGuard: ContinuousPolicy.defaultTailGuard)
        case ("magnus-cb", _):
            let fields = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count <= 2, let aging = Double(fields[0]), aging.isFinite, aging >= 0, aging <= 1_000,
                let guardFactor = fields.count == 2 ? Double(fields[1]) : ContinuousPolicy.defaultTailGuard,
                guardFactor.isFinite, (0...1_000).contains(guardFactor)
            else {
                throw ConfigValueError(
                    "magnus-cb:AGING or magnus-cb:AGING:GUARD needs an aging factor and a tail guard in 0...1000 (0 = no guard), e.g. magnus-cb:0.5:1, got '\(text)'")
            }
            self = .magnusContinuous(aging: aging, tailGuard: guardFactor)
        case ("oracle-cb", 1): self = .oracleContinuous
        default: throw ConfigValueError("must be one of \(Self.syntax), got '\(text)'")
        }
    }

    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .string(let text) = json else { throw ConfigValueError("must be a policy name (\(Self.syntax)), got \(json.kind)") }
        try self.init(argument: text)
    }

    public var argument: String { name }
    public var json: JSONValue { .string(name) }
}
