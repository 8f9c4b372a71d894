import Shared

/// A request a previous run journalled and did not finish, with where its answer went then:
/// the submitting client's routing identity (and delimiters), so that the answer of the
/// re-queued request is pushed to that identity when it comes back, even if it never
/// resubmits.
public struct RecoveredRequest: Sendable, Hashable {
    public var request: Request
    /// Where the last submit of the id came from; nil for rows journalled before the schema
    /// kept the routing identity.
    public var envelope: ClientEnvelope?

    public init(request: Request, envelope: ClientEnvelope?) {
        self.request = request
        self.envelope = envelope
    }
}
