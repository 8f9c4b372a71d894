/// `hello` (worker → coordinator): a worker announces itself; answered by `welcome`. Sent at
/// start, and again whenever the coordinator answers `unknown_worker`.
public struct HelloMessage: WireMessage {
    public static let type = "hello"

    /// The worker's name; also its DEALER routing id.
    public var worker: WorkerID
    /// What the worker's engine can hold.
    public var capabilities: WireCapabilities
    /// The protocol version the worker speaks (equal to `"v"`).
    public var protocolVersion: Int

    public init(worker: WorkerID, capabilities: WorkerCapabilities, protocolVersion: Int = WireProtocol.version) {
        self.worker = worker
        self.capabilities = WireCapabilities(capabilities)
        self.protocolVersion = protocolVersion
    }

    enum CodingKeys: String, CodingKey {
        case worker, capabilities
        case protocolVersion = "protocol_version"
    }
}
