import Shared
import Coordinator

/// A policy as the serving benchmark runs it: one of the scheduler's batching policies with
/// a predictor choice, or conservative continuous batching, which needs an iteration-level
/// engine and so runs in its own simulator.
public enum PolicySpec: Sendable, Hashable, CustomStringConvertible {
    /// A scheduler policy; `oracle` replaces the predictor by the true lengths.
    case scheduler(BatchingPolicy, oracle: Bool)
    /// CCB: iteration-level batching that admits a request only when the worst case
    /// Σ (L + max_new_tokens) of the running requests fits the KV cache.
    case conservativeContinuousBatching
    /// A scheduler policy with calibrated length distributions, a risk-bounded memory check
    /// and the drift guard (issue 8).
    case uncertaintyAware(BatchingPolicy)

    public var description: String {
        switch self {
        case .scheduler(let policy, let oracle): oracle ? "\(policy.name)-oracle" : policy.name
        case .conservativeContinuousBatching: "CCB"
        case .uncertaintyAware(let policy): "\(policy.name)-UA"
        }
    }

    /// Parses `vs:N`, `glp:N`, `abp`, `magnus`, `oracle` (Magnus with true lengths), `ccb`,
    /// `magnus-ua` (uncertainty-aware Magnus).
    public static func parse(_ text: String) -> PolicySpec? {
        let parts = text.lowercased().split(separator: ":")
        switch (parts.first.map(String.init), parts.count > 1 ? Int(parts[1]) : nil) {
        case ("vs", let size?) where size > 0: return .scheduler(.vanilla(batchSize: size), oracle: false)
        case ("glp", let size?) where size > 0: return .scheduler(.glp(batchSize: size), oracle: false)
        case ("abp", nil): return .scheduler(.abp, oracle: false)
        case ("magnus", nil): return .scheduler(.magnus, oracle: false)
        case ("oracle", nil): return .scheduler(.magnus, oracle: true)
        case ("ccb", nil): return .conservativeContinuousBatching
        case ("magnus-ua", nil), ("ua", nil): return .uncertaintyAware(.magnus)
        default: return nil
        }
    }
}
