/// Whether a retrained candidate replaces the model in service.
public enum ModelDecision: String, Sendable, Hashable, Codable {
    /// Not worse on the held-out slice: it becomes the active model.
    case accepted
    /// Worse: it is kept as a rejected version and the old model stays active (rollback).
    case rejected
}
