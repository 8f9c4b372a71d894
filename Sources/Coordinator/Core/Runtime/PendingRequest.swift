import Shared

/// An accepted request the coordinator has not answered yet: where to answer, and what the
/// answer needs.
struct PendingRequest: Sendable {
    /// Where the client's last submit came from; nil for a request recovered from the
    /// journal that no client has asked about since the restart.
    var envelope: ClientEnvelope?
    var fingerprint: ContentFingerprint
    var inputTokens: Int
    var predictedTokens: Int
    var arrival: Double
    var deadline: Double?
}
