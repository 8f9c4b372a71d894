/// Constants of the Magnus wire protocol: JSON messages, one per ZeroMQ frame, each carrying
/// `"v"` (the protocol version) and `"type"`. See docs/protocol.md.
public enum WireProtocol {
    /// The version this build speaks; messages with another `"v"` are refused with
    /// `unsupported_version`.
    public static let version = 1
    /// Default largest payload (bytes) a coordinator accepts before answering
    /// `payload_too_large`.
    public static let defaultMaxPayloadBytes = 1 << 20
    /// Hard transport limit (ZMQ_MAXMSGSIZE) on the coordinator's sockets: a peer sending more
    /// is disconnected by libzmq without a reply, so it sits well above the payload limit.
    public static let transportMessageLimit = 64 << 20
    /// Longest request id accepted, in UTF-8 bytes.
    public static let maxRequestIDBytes = 256
    /// Longest application name accepted, in UTF-8 bytes.
    public static let maxApplicationBytes = 256
}
