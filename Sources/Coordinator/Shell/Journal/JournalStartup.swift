import Coordinator
import ServiceSupport
import Shared
import Storage

/// What the journal thread found and prepared when it opened the log store: the run, what
/// it repaired, the models to start with, the requests to queue again and the answers to
/// give again.
public struct JournalStartup: Sendable {
    /// This run's number in the store.
    public var run: Int
    public var recovery: RecoveryReport
    /// The bootstrapped models; nil when the service was given its scheduler.
    public var models: StartupModels?
    /// Journalled, unfinished requests, oldest arrival first, with their clients' identities.
    public var unfinished: [RecoveredRequest]
    /// The newest finished answers (up to `finished_capacity`), oldest first.
    public var answers: [RestoredAnswer]
}
