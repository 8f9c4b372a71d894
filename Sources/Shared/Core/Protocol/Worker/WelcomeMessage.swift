/// `welcome` (coordinator → worker): the answer to `hello`; the worker may now send `ready`.
public struct WelcomeMessage: WireMessage {
    public static let type = "welcome"

    /// The worker's name as registered.
    public var worker: WorkerID
    /// How often the coordinator expects a heartbeat, in milliseconds.
    public var heartbeatIntervalMilliseconds: Int
    /// Silence after which the coordinator declares the worker lost, in milliseconds.
    public var heartbeatTimeoutMilliseconds: Int

    public init(worker: WorkerID, heartbeatIntervalMilliseconds: Int, heartbeatTimeoutMilliseconds: Int) {
        self.worker = worker
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        self.heartbeatTimeoutMilliseconds = heartbeatTimeoutMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case worker
        case heartbeatIntervalMilliseconds = "heartbeat_interval_ms"
        case heartbeatTimeoutMilliseconds = "heartbeat_timeout_ms"
    }
}
