import Shared
import Coordinator

/// A policy as the serving benchmark runs it: one of the scheduler's batching policies with
/// a predictor choice, or a continuous policy, which runs on continuous (iteration-level)
/// simulated workers. Made from a `PolicyChoice`, whose parser reads the names for the
/// service and the benchmark alike.
public enum PolicySpec: Sendable, Hashable, CustomStringConvertible {
    /// A scheduler policy; `oracle` replaces the predictor by the true lengths.
    case scheduler(BatchingPolicy, oracle: Bool)
    /// A request-level policy on continuous workers (`ccb`, `fcfs-cb`, `magnus-cb`,
    /// `oracle-cb`); `oracle` gives it the true lengths, otherwise a policy that predicts
    /// uses the calibrated predictor and its uncertainty model.
    case continuous(ContinuousPolicy, oracle: Bool)
    /// A scheduler policy with calibrated length distributions and the drift guard (issue 8):
    /// with `boundedGeneration`, capped batches whose memory is reserved for their upper
    /// bounds (rows past the cap continue later); without, batches run to completion under a
    /// risk-bounded memory check.
    case uncertaintyAware(BatchingPolicy, boundedGeneration: Bool = true)

    /// How the benchmark runs `choice`.
    public init(_ choice: PolicyChoice) {
        switch choice {
        case .vanilla, .glp, .abp, .magnus: self = .scheduler(choice.batchingPolicy ?? .magnus, oracle: false)
        case .oracle: self = .scheduler(.magnus, oracle: true)
        case .conservativeContinuousBatching, .pagedContinuousBatching, .magnusContinuous:
            self = .continuous(choice.continuousPolicy!, oracle: false)
        case .oracleContinuous: self = .continuous(.oracle, oracle: true)
        case .magnusUncertaintyAware: self = .uncertaintyAware(.magnus)
        case .magnusUncertaintyAwareRisk: self = .uncertaintyAware(.magnus, boundedGeneration: false)
        }
    }

    /// Whether the benchmark trains the calibrated predictor for it.
    public var needsCalibration: Bool {
        switch self {
        case .uncertaintyAware: true
        case .continuous(let policy, let oracle): !oracle && policy.reservation == .predictedUpper
        case .scheduler: false
        }
    }

    /// The policy named `text` (`PolicyChoice.syntax`).
    /// - Throws: `UsageError` from `PolicyChoice.parse`, listing the choices.
    public init(parsing text: String) throws(UsageError) {
        self.init(try PolicyChoice.parse(text))
    }

    public var description: String {
        switch self {
        case .scheduler(let policy, let oracle): oracle ? "\(policy.name)-oracle" : policy.name
        case .continuous(let policy, _):
            switch policy.name {
            case "ccb": "CCB"
            case "fcfs-cb": "FCFS-CB"
            case "oracle-cb": "Oracle-CB"
            default:
                if case .shortestFirst(let aging) = policy.order,
                    aging != ContinuousPolicy.defaultAging || policy.tailGuard != ContinuousPolicy.defaultTailGuard
                {
                    "Magnus-CB(\(aging), \(policy.tailGuard))"
                } else {
                    "Magnus-CB"
                }
            }
        case .uncertaintyAware(let policy, let bounded): bounded ? "\(policy.name)-UA" : "\(policy.name)-UA-risk"
        }
    }

    /// Parses `vs:N`, `glp:N`, `abp`, `magnus`, `oracle` (Magnus with true lengths), `ccb`,
    /// `magnus-ua` (uncertainty-aware Magnus with bounded decoding), `magnus-ua-risk` (the same
    /// with uncapped batches and a risk-bounded memory check), through `PolicyChoice.parse`.
    /// - Returns: nil for a name it does not know.
    public static func parse(_ text: String) -> PolicySpec? {
        (try? PolicyChoice.parse(text)).map(PolicySpec.init)
    }
}
