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
    /// A scheduler policy with calibrated length distributions and the drift guard (issue 8):
    /// with `boundedGeneration`, capped batches whose memory is reserved for their upper
    /// bounds (rows past the cap continue later); without, batches run to completion under a
    /// risk-bounded memory check.
    case uncertaintyAware(BatchingPolicy, boundedGeneration: Bool = true)

    public var description: String {
        switch self {
        case .scheduler(let policy, let oracle): oracle ? "\(policy.name)-oracle" : policy.name
        case .conservativeContinuousBatching: "CCB"
        case .uncertaintyAware(let policy, let bounded): bounded ? "\(policy.name)-UA" : "\(policy.name)-UA-risk"
        }
    }

    /// Parses `vs:N`, `glp:N`, `abp`, `magnus`, `oracle` (Magnus with true lengths), `ccb`,
    /// `magnus-ua` (uncertainty-aware Magnus with bounded decoding), `magnus-ua-risk` (the same
    /// with uncapped batches and a risk-bounded memory check).
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
        case ("magnus-ua-risk", nil): return .uncertaintyAware(.magnus, boundedGeneration: false)
        default: return nil
        }
    }
}
