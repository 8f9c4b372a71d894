/// `pong` (coordinator → client): the answer to `ping`.
public struct PongMessage: WireMessage {
    public static let type = "pong"

    /// The ping's nonce.
    public var nonce: String?
    /// Seconds since the coordinator started.
    public var uptime: Double
    /// Requests waiting in the queue.
    public var queueDepth: Int
    /// Workers currently connected.
    public var workers: Int
    /// True once the coordinator is draining and refuses new requests.
    public var draining: Bool
    /// The coordinator incarnation that sent this reply: random per coordinator start, so a
    /// change tells a client the coordinator restarted (absent from older coordinators).
    public var incarnation: String?

    public init(nonce: String?, uptime: Double, queueDepth: Int, workers: Int, draining: Bool) {
        self.nonce = nonce
        self.uptime = uptime
        self.queueDepth = queueDepth
        self.workers = workers
        self.draining = draining
    }

    enum CodingKeys: String, CodingKey {
        case nonce, uptime, workers, draining, incarnation
        case queueDepth = "queue_depth"
    }
}
