import Shared

/// A final answer read back from the log store at start, so that a client resubmitting a
/// finished id after a restart gets the answer it would have got before.
public struct RestoredAnswer: Sendable, Hashable {
    public var id: RequestID
    /// The original submit's content fingerprint, to tell a resubmission from a conflict.
    public var fingerprint: ContentFingerprint
    public var reply: CoordinatorReply

    public init(id: RequestID, fingerprint: ContentFingerprint, reply: CoordinatorReply) {
        self.id = id
        self.fingerprint = fingerprint
        self.reply = reply
    }
}
