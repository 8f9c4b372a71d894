import Shared

/// An accepted request the coordinator has not answered yet: where to answer, and what the
/// answer needs.
struct PendingRequest: Sendable {
    /// Where the client's last submit came from (for a request recovered from the journal:
    /// the journalled identity); nil for a recovered request whose row kept none, until its
    /// client asks again.
    var envelope: ClientEnvelope?
    var fingerprint: ContentFingerprint
    var inputTokens: Int
    var predictedTokens: Int
    var arrival: Double
    var deadline: Double?
    /// For a client that asked to stream (`stream: true`): the text already sent to it in
    /// `partial` replies; nil when it did not ask.
    var streamedText: String? = nil
}
