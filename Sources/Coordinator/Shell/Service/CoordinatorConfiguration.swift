import Coordinator
import ServiceSupport
import Shared

/// Everything an operator can set on the coordinator, from a JSON config file
/// (`snake_case` keys, every one optional, unknown ones refused) and command-line flags
/// (which win). Each property is an option declared once in `schema`
/// (CoordinatorConfiguration+Options.swift) with its key, flag, help and checks; its
/// default is the value here.
public struct CoordinatorConfiguration: Sendable, Hashable {
    /// ROUTER endpoint clients connect to.
    public var clientEndpoint = "tcp://*:5555"
    /// ROUTER endpoint workers connect to.
    public var workerEndpoint = "tcp://*:5556"
    /// PUB endpoint for the status stream.
    public var statusEndpoint = "tcp://*:5557"
    /// The coordinator's CURVE secret key file (mode 0600); when set, workers and clients must
    /// authenticate with keys on `workerKeys` and `clientKeys`.
    public var curveSecretKeyFile: String?
    /// Allowlist of worker public keys: a key file or a folder of `*.pub` files.
    public var workerKeys: String?
    /// Allowlist of client public keys: a key file or a folder of `*.pub` files.
    public var clientKeys: String?
    /// `open` (the default: anyone may subscribe) or `curve` (subscribers authenticate with a
    /// key on `statusKeys`, or on `clientKeys` when that is not set).
    public var statusAuth = StatusAuth.open
    /// Allowlist of status subscribers, for `statusAuth` `curve`.
    public var statusKeys: String?
    /// The batching policy (one the service runs: not `oracle` or `ccb`).
    public var policy = PolicyChoice.magnus
    /// Φ, the WMA threshold (token reads).
    public var wmaThreshold: Double = SchedulerConfiguration.defaultWMAThreshold
    /// KV token slots the batcher plans for (Θ / Δ); when nil, taken from `profile`.
    public var kvTokenCapacity: Int?
    /// A named engine profile (`EngineProfile.named`) whose capabilities give the default
    /// `kvTokenCapacity` and whose batch-time model is the estimator's prior.
    public var profile: String? = "v100-chatglm6b"
    /// Check memory with the predicted upper bound instead of the point prediction.
    public var memoryCheckUsesUpperBound = false
    /// Dispatches a batch may lose (worker lost, fault) before it is split.
    public var maxAttempts = 3
    /// `max_new_tokens` when a submit gives none.
    public var defaultMaxNewTokens = 512
    /// Largest `max_new_tokens` accepted.
    public var maxNewTokensLimit = 4096
    /// Queued requests beyond which submits are refused `overloaded`.
    public var maxQueuedRequests = 100_000
    /// Largest client payload accepted, in bytes (worker reports are bounded only by the
    /// transport limit: they carry every output).
    public var maxPayloadBytes = WireProtocol.defaultMaxPayloadBytes
    /// Largest frame the client socket takes (`ZMQ_MAXMSGSIZE`); libzmq drops the connection
    /// of a client sending more, without a reply. Nil: 8 MiB or twice `maxPayloadBytes`.
    public var maxFrameBytes: Int?
    /// Largest instruction plus input accepted, in UTF-8 bytes (nil: only the payload limit).
    public var maxInputBytes: Int?
    /// Largest input accepted, in tokens (nil: only what fits the KV cache).
    public var maxInputTokens: Int?
    /// Pending requests one client connection may have before its submits get `overloaded`
    /// (nil: no limit).
    public var maxInFlightPerClient: Int?
    /// Refuse a submit with a deadline at once (`deadline_exceeded`) when its predicted
    /// completion is later than the deadline.
    public var refuseMissedDeadlines = true
    /// Finished answers kept for idempotent resubmission.
    public var finishedCapacity = 100_000
    /// Task files (JSONL, `shared/data` format) to train the length predictor on at start;
    /// empty = the `LengthRatioPredictor` prior.
    public var trainingData: [String] = []
    /// Rows read from each training file (nil = all).
    public var trainingRowsPerFile: Int?
    /// Trees in the trained forest.
    public var forestTrees = RandomForestConfiguration().trees
    /// Seed for the forest.
    public var seed: UInt64 = 42
    /// How often workers must beat, seconds.
    public var heartbeatInterval: Double = 1
    /// Silence after which a worker is declared lost, seconds.
    public var heartbeatTimeout: Double = 5
    /// Seconds between status snapshots.
    public var statusInterval: Double = 1
    /// Seconds of history in the snapshot's throughput and latency.
    public var statusWindow: Double = 30
    /// Seconds a drain waits for running batches.
    public var drainTimeout: Double = 30
    /// A batch running longer than this many times its estimate (and than the floor) is
    /// taken back and requeued as a fault.
    public var batchTimeoutFactor: Double = 10
    /// Seconds a batch may always run, whatever its estimate.
    public var batchTimeoutFloor: Double = 300
    /// The lowest severity logged.
    public var logLevel = LogLevel.info
    /// Stop (drain) when the process that started the coordinator exits.
    public var exitWithParent = false
    /// The log store, retention and retraining (flat keys: see `StorageConfiguration`).
    public var storage = StorageConfiguration()

    public init() {}

    /// Loads a JSON config file over the defaults.
    /// - Throws: `UsageError` naming the file and the problem: not found, permission denied,
    ///   a directory; not JSON (with line and column); an unknown key (with the nearest known
    ///   one); a value of the wrong type.
    public static func load(path: String) throws(UsageError) -> CoordinatorConfiguration {
        var configuration = CoordinatorConfiguration()
        try ConfigFile.load(path, schema: schema, into: &configuration)
        return configuration
    }

    /// Reads a config file's JSON text over the defaults.
    /// - Parameter source: what messages name, e.g. `config file coordinator.json`.
    public static func decode(json text: String, source: String = "configuration") throws(UsageError) -> CoordinatorConfiguration {
        var configuration = CoordinatorConfiguration()
        try schema.decode(text: Array(text.utf8), into: &configuration, source: source)
        return configuration
    }

    /// Every option as a config file holds it (`magnus-coordinator` reads it back the same).
    public var json: JSONValue { Self.schema.encode(self) }

    /// Rejects values that cannot work, with a message that says which and why: each
    /// option's own checks (from `schema`), then the rules that relate options.
    public func validate() throws(UsageError) {
        try Self.ownSchema.validate(self, context: "coordinator configuration")
        func check(_ condition: Bool, _ message: String) throws(UsageError) {
            if !condition { throw UsageError("coordinator configuration: \(message)") }
        }
        try check(curveSecretKeyFile != nil || (workerKeys == nil && clientKeys == nil && statusKeys == nil && statusAuth == .open),
            "worker_keys, client_keys, status_keys and status_auth curve need curve_secret_key_file")
        try check(curveSecretKeyFile == nil || (workerKeys != nil && clientKeys != nil),
            "with curve_secret_key_file, set worker_keys and client_keys (allowlists) too")
        try check(kvTokenCapacity != nil || profile != nil, "set kv_token_capacity or a profile")
        try check((1...maxNewTokensLimit).contains(defaultMaxNewTokens), "default_max_new_tokens must be in 1...max_new_tokens_limit")
        try check((maxPayloadBytes...WireProtocol.transportMessageLimit).contains(clientFrameLimit),
            "max_frame_bytes must be in max_payload_bytes...\(WireProtocol.transportMessageLimit)")
        try check(heartbeatTimeout > heartbeatInterval, "heartbeat_timeout_s must exceed heartbeat_interval_s")
        try storage.validate()
    }
}
