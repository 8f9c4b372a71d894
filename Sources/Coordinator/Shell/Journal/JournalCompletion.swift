import Coordinator
import ServiceSupport
import Shared

/// The journal thread's report on one batch of records: committed, or which accepts could
/// not be recorded (their acknowledgements must not go out).
public struct JournalCompletion: Sendable, Hashable {
    /// The batch, as numbered by `JournalWriter.submit`.
    public var batch: Int
    /// Accepted requests whose journal entry failed.
    public var failedAccepts: [RequestID]
    /// Why, when something failed.
    public var error: String?
}
