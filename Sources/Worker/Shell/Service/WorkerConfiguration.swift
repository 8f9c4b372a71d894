import ServiceSupport
/// Settings of one worker process.
public struct WorkerConfiguration: Sendable, Hashable {
    /// The worker's name, also its routing id.
    public var id: String
    /// The coordinator's worker endpoint.
    public var coordinatorEndpoint: String
    /// Real seconds = modelled seconds / timeScale, for a simulated engine.
    public var timeScale: Double = 1
    /// Heartbeat interval until the coordinator's `welcome` sets it, seconds.
    public var heartbeatInterval: Double = 1
    /// Seconds before an unanswered `hello` is repeated.
    public var helloRetry: Double = 5
    /// Seconds a drain waits for the running batch.
    public var drainTimeout: Double = 60
    /// Stop when the parent process exits.
    public var exitWithParent = false
    /// This worker's keypair and the coordinator's public key, when the coordinator
    /// authenticates workers (CURVE).
    public var curve: CurveClientKeys?

    public init(id: String, coordinatorEndpoint: String) {
        self.id = id
        self.coordinatorEndpoint = coordinatorEndpoint
    }
}
