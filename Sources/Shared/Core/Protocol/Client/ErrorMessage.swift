/// `error` (coordinator → client or worker): a refusal or failure with a stable code. With an
/// `id` on the client socket it is the final answer for that request (except `duplicate_id`,
/// which refuses only the conflicting resubmission); without one it concerns the message that
/// caused it (malformed, unknown type...).
public struct ErrorMessage: WireMessage {
    public static let type = "error"

    /// The request concerned, when known.
    public var id: RequestID?
    /// Stable code: see `ErrorCode` and docs/protocol.md.
    public var code: ErrorCode
    /// Human-readable detail.
    public var message: String
    /// The coordinator incarnation that sent this reply: random per coordinator start, so a
    /// change tells a client the coordinator restarted (absent from older coordinators).
    public var incarnation: String?

    public init(id: RequestID? = nil, code: ErrorCode, message: String) {
        self.id = id
        self.code = code
        self.message = message
    }

    public init(id: RequestID? = nil, _ error: MagnusError) {
        self.init(id: id, code: error.code, message: error.message)
    }

    /// The code and message as an error value.
    public var error: MagnusError { MagnusError(code, message) }
}
