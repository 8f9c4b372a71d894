/// What one retraining run did: trained a candidate (accepted or rejected), or skipped.
public enum RetrainingOutcome<Model: Sendable, Example: Sendable>: Sendable {
    case trained(RetrainingCandidate<Model, Example>)
    /// Nothing to train: too few logged rows for a held-out slice, or no row passed the
    /// error filter. The reason is for logs and the status stream.
    case skipped(String)

    public var candidate: RetrainingCandidate<Model, Example>? {
        if case .trained(let candidate) = self { return candidate }
        return nil
    }
}
