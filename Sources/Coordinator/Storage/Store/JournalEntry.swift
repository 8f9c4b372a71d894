import Coordinator
import Shared

/// A journalled request as stored: the request (times on the current run's clock), who
/// sent it, what was predicted and where it is now.
public struct JournalEntry: Sendable, Hashable {
    public var request: Request
    public var clientID: String?
    /// The client's content digest, to tell an idempotent resubmission from a conflict.
    public var fingerprint: UInt64?
    public var prediction: LengthPrediction
    public var status: RequestStatus
    public var acceptedAt: Seconds
}
