#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Coordinator
import ServiceSupport
import Shared

/// Everything an operator can set on the coordinator, from a JSON config file
/// (`snake_case` keys, every one optional) and command-line flags (which win).
public struct CoordinatorConfiguration: Sendable, Hashable, Codable {
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
    public var statusAuth = CoordinatorConfiguration.statusAuthOpen
    /// Allowlist of status subscribers, for `statusAuth` `curve`.
    public var statusKeys: String?
    /// `magnus`, `abp`, `glp:N` or `vs:N`.
    public var policy = "magnus"
    /// Φ, the WMA threshold (token reads).
    public var wmaThreshold: Double = SchedulerConfiguration.defaultWMAThreshold
    /// KV token slots the batcher plans for (Θ / Δ); when nil, taken from `profile`.
    public var kvTokenCapacity: Int?
    /// A named engine profile whose capabilities give the default `kvTokenCapacity`.
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
    /// `debug`, `info`, `warning` or `error`.
    public var logLevel = "info"
    /// Stop (drain) when the process that started the coordinator exits.
    public var exitWithParent = false
    /// The log store, retention and retraining (flat keys: see `StorageConfiguration`).
    public var storage = StorageConfiguration()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case clientEndpoint = "client_endpoint"
        case workerEndpoint = "worker_endpoint"
        case statusEndpoint = "status_endpoint"
        case curveSecretKeyFile = "curve_secret_key_file"
        case workerKeys = "worker_keys"
        case clientKeys = "client_keys"
        case statusAuth = "status_auth"
        case statusKeys = "status_keys"
        case policy
        case wmaThreshold = "wma_threshold"
        case kvTokenCapacity = "kv_token_capacity"
        case profile
        case memoryCheckUsesUpperBound = "memory_check_upper_bound"
        case maxAttempts = "max_attempts"
        case defaultMaxNewTokens = "default_max_new_tokens"
        case maxNewTokensLimit = "max_new_tokens_limit"
        case maxQueuedRequests = "max_queued_requests"
        case maxPayloadBytes = "max_payload_bytes"
        case maxFrameBytes = "max_frame_bytes"
        case maxInputBytes = "max_input_bytes"
        case maxInputTokens = "max_input_tokens"
        case maxInFlightPerClient = "max_in_flight_per_client"
        case refuseMissedDeadlines = "refuse_missed_deadlines"
        case finishedCapacity = "finished_capacity"
        case trainingData = "training_data"
        case trainingRowsPerFile = "training_rows_per_file"
        case forestTrees = "forest_trees"
        case seed
        case heartbeatInterval = "heartbeat_interval_s"
        case heartbeatTimeout = "heartbeat_timeout_s"
        case statusInterval = "status_interval_s"
        case statusWindow = "status_window_s"
        case drainTimeout = "drain_timeout_s"
        case logLevel = "log_level"
        case exitWithParent = "exit_with_parent"
    }

    /// Reads every key that is present; absent keys keep their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let decoded = try c.decodeIfPresent(T.self, forKey: key) { value = decoded }
        }
        try read(.clientEndpoint, &clientEndpoint)
        try read(.workerEndpoint, &workerEndpoint)
        try read(.statusEndpoint, &statusEndpoint)
        curveSecretKeyFile = try c.decodeIfPresent(String.self, forKey: .curveSecretKeyFile)
        workerKeys = try c.decodeIfPresent(String.self, forKey: .workerKeys)
        clientKeys = try c.decodeIfPresent(String.self, forKey: .clientKeys)
        try read(.statusAuth, &statusAuth)
        statusKeys = try c.decodeIfPresent(String.self, forKey: .statusKeys)
        try read(.policy, &policy)
        try read(.wmaThreshold, &wmaThreshold)
        kvTokenCapacity = try c.decodeIfPresent(Int.self, forKey: .kvTokenCapacity)
        if c.contains(.profile) { profile = try c.decodeIfPresent(String.self, forKey: .profile) }
        try read(.memoryCheckUsesUpperBound, &memoryCheckUsesUpperBound)
        try read(.maxAttempts, &maxAttempts)
        try read(.defaultMaxNewTokens, &defaultMaxNewTokens)
        try read(.maxNewTokensLimit, &maxNewTokensLimit)
        try read(.maxQueuedRequests, &maxQueuedRequests)
        try read(.maxPayloadBytes, &maxPayloadBytes)
        maxFrameBytes = try c.decodeIfPresent(Int.self, forKey: .maxFrameBytes)
        maxInputBytes = try c.decodeIfPresent(Int.self, forKey: .maxInputBytes)
        maxInputTokens = try c.decodeIfPresent(Int.self, forKey: .maxInputTokens)
        maxInFlightPerClient = try c.decodeIfPresent(Int.self, forKey: .maxInFlightPerClient)
        try read(.refuseMissedDeadlines, &refuseMissedDeadlines)
        try read(.finishedCapacity, &finishedCapacity)
        try read(.trainingData, &trainingData)
        trainingRowsPerFile = try c.decodeIfPresent(Int.self, forKey: .trainingRowsPerFile)
        try read(.forestTrees, &forestTrees)
        try read(.seed, &seed)
        try read(.heartbeatInterval, &heartbeatInterval)
        try read(.heartbeatTimeout, &heartbeatTimeout)
        try read(.statusInterval, &statusInterval)
        try read(.statusWindow, &statusWindow)
        try read(.drainTimeout, &drainTimeout)
        try read(.logLevel, &logLevel)
        try read(.exitWithParent, &exitWithParent)
        storage = try StorageConfiguration(from: decoder)
    }

    /// Loads a JSON config file.
    /// - Throws: `UsageError` naming the file and the problem.
    public static func load(path: String) throws(UsageError) -> CoordinatorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("cannot read config file \(path)")
        }
        do {
            return try JSONDecoder().decode(CoordinatorConfiguration.self, from: data)
        } catch {
            throw UsageError("config file \(path): \(WireCodec.describeDecodingError(error))")
        }
    }

    /// Rejects values that cannot work, with a message that says which and why.
    public func validate() throws(UsageError) {
        _ = try PolicyName.parse(policy)
        func check(_ condition: Bool, _ message: String) throws(UsageError) {
            if !condition { throw UsageError("coordinator configuration: \(message)") }
        }
        try check(wmaThreshold > 0, "wma_threshold (Φ) must be positive")
        try check([Self.statusAuthOpen, Self.statusAuthCurve].contains(statusAuth), "status_auth must be open or curve")
        try check(curveSecretKeyFile != nil || (workerKeys == nil && clientKeys == nil && statusKeys == nil && statusAuth == Self.statusAuthOpen),
            "worker_keys, client_keys, status_keys and status_auth curve need curve_secret_key_file")
        try check(curveSecretKeyFile == nil || (workerKeys != nil && clientKeys != nil),
            "with curve_secret_key_file, set worker_keys and client_keys (allowlists) too")
        try check(kvTokenCapacity.map { $0 > 0 } ?? true, "kv_token_capacity must be positive")
        try check(kvTokenCapacity != nil || profile != nil, "set kv_token_capacity or a profile")
        try check(maxAttempts >= 1, "max_attempts must be at least 1")
        try check(maxNewTokensLimit >= 1, "max_new_tokens_limit must be at least 1")
        try check((1...maxNewTokensLimit).contains(defaultMaxNewTokens), "default_max_new_tokens must be in 1...max_new_tokens_limit")
        try check(maxQueuedRequests >= 1, "max_queued_requests must be at least 1")
        try check((256...WireProtocol.transportMessageLimit).contains(maxPayloadBytes),
            "max_payload_bytes must be in 256...\(WireProtocol.transportMessageLimit)")
        try check((maxPayloadBytes...WireProtocol.transportMessageLimit).contains(clientFrameLimit),
            "max_frame_bytes must be in max_payload_bytes...\(WireProtocol.transportMessageLimit)")
        try check(maxInputBytes.map { $0 >= 1 } ?? true, "max_input_bytes must be at least 1")
        try check(maxInputTokens.map { $0 >= 1 } ?? true, "max_input_tokens must be at least 1")
        try check(maxInFlightPerClient.map { $0 >= 1 } ?? true, "max_in_flight_per_client must be at least 1")
        try check(finishedCapacity >= 0, "finished_capacity cannot be negative")
        try check(trainingRowsPerFile.map { $0 >= 1 } ?? true, "training_rows_per_file must be at least 1")
        try check(forestTrees >= 1, "forest_trees must be at least 1")
        try check(heartbeatInterval > 0, "heartbeat_interval_s must be positive")
        try check(heartbeatTimeout > heartbeatInterval, "heartbeat_timeout_s must exceed heartbeat_interval_s")
        try check(statusInterval > 0, "status_interval_s must be positive")
        try check(statusWindow > 0, "status_window_s must be positive")
        try check(drainTimeout >= 0, "drain_timeout_s cannot be negative")
        try check(LogLevel(name: logLevel) != nil, "log_level must be debug, info, warning or error")
        try storage.validate()
    }
}
