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
    /// The coordinator core's limits and timings (admission, heartbeats, status, drain, batch
    /// timeout): one declaration, read by the core as `runtimeSettings`. Its `journaling` and
    /// `logLevel` are set from `storage.logPath` and `logLevel` there.
    public var runtime = RuntimeSettings()
    /// Largest frame the client socket takes (`ZMQ_MAXMSGSIZE`); libzmq drops the connection
    /// of a client sending more, without a reply. Nil: 8 MiB or twice `maxPayloadBytes`.
    public var maxFrameBytes: Int?
    /// Task files (JSONL, `shared/data` format) to train the length predictor on at start;
    /// empty = the `LengthRatioPredictor` prior.
    public var trainingData: [String] = []
    /// Rows read from each training file (nil = all).
    public var trainingRowsPerFile: Int?
    /// Trees in the trained forest.
    public var forestTrees = RandomForestConfiguration().trees
    /// Seed for the forest.
    public var seed: UInt64 = 42
    /// The lowest severity logged.
    public var logLevel = LogLevel.info
    /// The shape of the log lines (text or JSON).
    public var logFormat = LogFormat.text
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
        try check((1...runtime.maxNewTokensLimit).contains(runtime.defaultMaxNewTokens), "default_max_new_tokens must be in 1...max_new_tokens_limit")
        try check((runtime.maxPayloadBytes...WireProtocol.transportMessageLimit).contains(clientFrameLimit),
            "max_frame_bytes must be in max_payload_bytes...\(WireProtocol.transportMessageLimit)")
        try check(runtime.heartbeatTimeout > runtime.heartbeatInterval, "heartbeat_timeout_s must exceed heartbeat_interval_s")
        try storage.validate()
    }
}
