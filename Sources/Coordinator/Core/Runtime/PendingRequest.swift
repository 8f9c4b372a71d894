import Shared

/// An accepted request the coordinator has not answered yet: where to answer, and what the
/// answer needs.
struct PendingRequest: Sendable {
    /// Frames before the payload of the client's last submit (routing id, delimiters).
    var envelope: [[UInt8]]
    var fingerprint: ContentFingerprint
    var inputTokens: Int
    var predictedTokens: Int
    var arrival: Double
    var deadline: Double?
}
