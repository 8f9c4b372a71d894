/// `cancelled` (coordinator → client): the answer to `cancel`. When `cancelled` is true the
/// request was withdrawn and this is its final answer; otherwise `reason` says why not
/// (`running`, `finished`, `unknown`) and a running request's result still follows.
public struct CancelledMessage: WireMessage {
    public static let type = "cancelled"

    public var id: RequestID
    public var cancelled: Bool
    /// Why it was not cancelled: `running`, `finished` or `unknown`; nil when cancelled.
    public var reason: String?
    /// The coordinator incarnation that sent this reply: random per coordinator start, so a
    /// change tells a client the coordinator restarted (absent from older coordinators).
    public var incarnation: String?

    public init(id: RequestID, cancelled: Bool, reason: String? = nil) {
        self.id = id
        self.cancelled = cancelled
        self.reason = reason
    }
}
