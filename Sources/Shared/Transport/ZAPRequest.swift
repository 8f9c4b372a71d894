/// One ZAP authentication request (ZeroMQ RFC 27), as libzmq sends it to the handler bound
/// at `inproc://zeromq.zap.01` of the socket's context when a peer connects to a socket that
/// has a security mechanism (or a ZAP domain) set.
public struct ZAPRequest: Sendable, Hashable {
    /// The handler endpoint libzmq asks, on the same context as the authenticated sockets.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Echoed in the reply so that libzmq matches it to the handshake.
    public var requestID: [UInt8]
    /// The socket's `ZMQ_ZAP_DOMAIN`.
    public var domain: String
    /// The peer's address (e.g. an IP), empty for `ipc://` and `inproc://`.
    public var address: String
    /// The peer's routing id, when it set one.
    public var routingID: [UInt8]
    /// `NULL`, `PLAIN` or `CURVE`.
    public var mechanism: String
    /// Mechanism-specific: for CURVE, one frame, the client's 32-byte long-term public key.
    public var credentials: [[UInt8]]

    /// Parses the frames a REP socket receives; nil if they are not a version 1.0 request.
    public init?(frames: [[UInt8]]) {
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else { return nil }
        requestID = frames[1]
        domain = String(decoding: frames[2], as: UTF8.self)
        address = String(decoding: frames[3], as: UTF8.self)
        routingID = frames[4]
        mechanism = String(decoding: frames[5], as: UTF8.self)
        credentials = Array(frames.dropFirst(6))
    }

    /// The client's CURVE long-term public key, if this is a well-formed CURVE request.
    public var curvePublicKey: [UInt8]? {
        guard mechanism == "CURVE", credentials.count == 1, credentials[0].count == ZMQCurve.keyLength else { return nil }
        return credentials[0]
    }

    /// The reply frames for `decision`.
    public func reply(_ decision: ZAPDecision) -> [[UInt8]] {
        switch decision {
        case .allow(let userID):
            [Array("1.0".utf8), requestID, Array("200".utf8), Array("OK".utf8), Array(userID.utf8), []]
        case .deny(let reason):
            [Array("1.0".utf8), requestID, Array("400".utf8), Array(reason.utf8), [], []]
        }
    }
}
