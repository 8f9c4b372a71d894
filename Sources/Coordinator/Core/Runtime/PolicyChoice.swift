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
    /// `ccb`: conservative continuous batching (simulator only).
    case conservativeContinuousBatching

    /// Every spelling, for help text.
    public static let syntax = "vs:N|glp:N|abp|magnus|magnus-ua|magnus-ua-risk|oracle|ccb"
    /// The spellings of the policies the coordinator service runs.
    public static let serviceSyntax = "vs:N|glp:N|abp|magnus|magnus-ua|magnus-ua-risk"

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
        }
    }

    public var description: String { name }

    /// The scheduler's batching policy; nil for CCB, which the scheduler does not run.
    public var batchingPolicy: BatchingPolicy? {
        switch self {
        case .vanilla(let size): .vanilla(batchSize: size)
        case .glp(let size): .glp(batchSize: size)
        case .abp: .abp
        case .magnus, .magnusUncertaintyAware, .magnusUncertaintyAwareRisk, .oracle: .magnus
        case .conservativeContinuousBatching: nil
        }
    }

    /// Whether the scheduler runs with calibrated length distributions and the drift guard.
    public var isUncertaintyAware: Bool { self == .magnusUncertaintyAware || self == .magnusUncertaintyAwareRisk }

    /// For an uncertainty-aware policy: whether batches are capped (bounded decoding) rather
    /// than run to completion under the risk-bounded memory check.
    public var boundedGeneration: Bool { self == .magnusUncertaintyAware }

    /// Whether the coordinator service can run it (the oracle needs the true lengths, CCB an
    /// iteration-level engine: both only exist in the simulator).
    public var runsInService: Bool { self != .oracle && self != .conservativeContinuousBatching }
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
