/// `ping` (client → coordinator): liveness check, answered by `pong` with the same nonce.
public struct PingMessage: WireMessage {
    public static let type = "ping"

    /// Echoed back in `pong`, to match replies to pings.
    public var nonce: String?

    public init(nonce: String? = nil) { self.nonce = nonce }

    enum CodingKeys: String, CodingKey, CaseIterable { case nonce }
}
