import Shared

/// Parses the policy names operators type: `magnus`, `magnus-ua`, `abp`, `glp:N`, `vs:N`.
public enum PolicyName {
    /// The accepted spellings, for help text.
    public static let syntax = "magnus|magnus-ua|abp|glp:N|vs:N"

    /// Whether `text` names uncertainty-aware Magnus (calibrated intervals, bounded decoding,
    /// the prefill check and the drift guard; docs/benchmarks.md section 6).
    public static func isUncertaintyAware(_ text: String) -> Bool { text.lowercased() == "magnus-ua" }

    /// The policy named `text`, or a usage error that lists the choices.
    public static func parse(_ text: String) throws(UsageError) -> BatchingPolicy {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        func size() throws(UsageError) -> Int {
            guard parts.count == 2, let size = Int(parts[1]), size >= 1 else {
                throw UsageError("policy '\(text)': \(parts[0]) needs a batch size, e.g. \(parts[0]):8")
            }
            return size
        }
        switch parts.first ?? "" {
        case "magnus" where parts.count == 1, "magnus-ua" where parts.count == 1: return .magnus
        case "abp" where parts.count == 1: return .abp
        case "glp": return .glp(batchSize: try size())
        case "vs": return .vanilla(batchSize: try size())
        default: throw UsageError("unknown policy '\(text)'; use one of \(syntax)")
        }
    }
}
