import Coordinator
import ServiceSupport
import Shared

/// The `magnus-coordinator` command line: flags over an optional JSON config file over the
/// defaults.
public enum CoordinatorOptions {
    static let defaults = CoordinatorConfiguration()

    /// Every option, with its help text.
    public static let specs: [OptionSpec] = [
        .value("config", "FILE", "JSON config file (snake_case keys as in docs/operations.md); flags override it."),
        .value("client-endpoint", "ENDPOINT", "ROUTER endpoint for clients (default: \(defaults.clientEndpoint))."),
        .value("worker-endpoint", "ENDPOINT", "ROUTER endpoint for workers (default: \(defaults.workerEndpoint))."),
        .value("status-endpoint", "ENDPOINT", "PUB endpoint for the status stream (default: \(defaults.statusEndpoint))."),
        .value("curve-secret-key-file", "FILE", "The coordinator's CURVE secret key (mode 0600, from `magnus keygen`): workers and clients must authenticate."),
        .value("worker-keys", "FILE|DIR", "Allowlist of worker public keys: a key file or a folder of .pub files (with CURVE)."),
        .value("client-keys", "FILE|DIR", "Allowlist of client public keys: a key file or a folder of .pub files (with CURVE)."),
        .value("status-auth", "MODE", "Status stream: open, or curve (subscribers need a key on --status-keys or --client-keys) (default: \(defaults.statusAuth))."),
        .value("status-keys", "FILE|DIR", "Allowlist of status subscribers for --status-auth curve (default: the client keys)."),
        .value("policy", "NAME", "Batching policy: \(PolicyName.syntax) (default: \(defaults.policy))."),
        .value("phi", "X", "Φ, the WMA threshold in token reads (default: \(Int(defaults.wmaThreshold)))."),
        .value("profile", "NAME", "Engine profile whose KV capacity the batcher plans for (default: \(defaults.profile ?? "none"))."),
        .value("kv-tokens", "N", "KV token slots to plan for (Θ/Δ); overrides the profile's."),
        .flag("memory-upper-bound", "Check memory with the predicted upper bound instead of the point prediction."),
        .value("max-attempts", "N", "Lost dispatches before a batch is split (default: \(defaults.maxAttempts))."),
        .value("default-max-new-tokens", "N", "max_new_tokens when a submit gives none (default: \(defaults.defaultMaxNewTokens))."),
        .value("max-new-tokens-limit", "N", "Largest max_new_tokens accepted (default: \(defaults.maxNewTokensLimit))."),
        .value("max-queued", "N", "Queued requests beyond which submits get 'overloaded' (default: \(defaults.maxQueuedRequests))."),
        .value("max-payload-bytes", "N", "Largest message accepted (default: \(defaults.maxPayloadBytes))."),
        .value("max-frame-bytes", "N", "Largest frame on the client socket; larger ones drop the connection without a reply (default: 8 MiB or twice --max-payload-bytes)."),
        .value("max-input-bytes", "N", "Largest instruction plus input in bytes; beyond it submits get 'input_too_long' (default: no limit)."),
        .value("max-input-tokens", "N", "Largest input in tokens; beyond it submits get 'input_too_long' (default: the KV cache)."),
        .value("max-in-flight", "N", "Pending requests per client connection beyond which submits get 'overloaded' (default: no limit)."),
        .flag("accept-missed-deadlines", "Queue requests whose predicted completion misses their deadline (default: refuse them at once)."),
        .value("finished-capacity", "N", "Finished answers kept for idempotent resubmits (default: \(defaults.finishedCapacity))."),
        .value("training-data", "FILES", "Comma-separated task JSONL files to train the length predictor on at start; `builtin` = the built-in workload generator (default: none = prior)."),
        .value("training-rows", "N", "Rows read from each training file (default: all)."),
        .value("trees", "N", "Trees in the trained forest (default: \(defaults.forestTrees))."),
        .value("seed", "N", "Seed for the forest (default: \(defaults.seed))."),
        .value("heartbeat-interval", "SECONDS", "How often workers beat (default: \(defaults.heartbeatInterval))."),
        .value("heartbeat-timeout", "SECONDS", "Silence before a worker is declared lost (default: \(defaults.heartbeatTimeout))."),
        .value("status-interval", "SECONDS", "Seconds between status snapshots (default: \(defaults.statusInterval))."),
        .value("status-window", "SECONDS", "Window of the snapshot's throughput and latency (default: \(defaults.statusWindow))."),
        .value("drain-timeout", "SECONDS", "How long a drain waits for running batches (default: \(defaults.drainTimeout))."),
        .value("log-level", "LEVEL", "debug, info, warning or error (default: \(defaults.logLevel))."),
        .flag("exit-with-parent", "Drain and exit when the parent process exits (for test harnesses and supervisors)."),
    ] + StorageOptions.specs

    /// Parses `arguments` (without the program name).
    /// - Returns: the validated configuration, or nil when `--help` was asked for (the help
    ///   text is then in `help`).
    public static func parse(_ arguments: [String]) throws(UsageError) -> (configuration: CoordinatorConfiguration?, help: String) {
        let options = try CommandOptions(
            command: "magnus-coordinator",
            summary: "the Magnus scheduler: takes requests from clients, batches them by predicted length and serves them on workers",
            specs: specs, arguments: arguments)
        guard !options.wantsHelp else { return (nil, options.help) }
        guard options.positional.isEmpty else {
            throw UsageError("magnus-coordinator: unexpected argument '\(options.positional[0])' (see --help)")
        }
        var configuration = try options.string("config").map { path throws(UsageError) in try CoordinatorConfiguration.load(path: path) }
            ?? CoordinatorConfiguration()
        if let value = options.string("client-endpoint") { configuration.clientEndpoint = value }
        if let value = options.string("worker-endpoint") { configuration.workerEndpoint = value }
        if let value = options.string("status-endpoint") { configuration.statusEndpoint = value }
        if let value = options.string("curve-secret-key-file") { configuration.curveSecretKeyFile = value }
        if let value = options.string("worker-keys") { configuration.workerKeys = value }
        if let value = options.string("client-keys") { configuration.clientKeys = value }
        if let value = options.string("status-auth") { configuration.statusAuth = value }
        if let value = options.string("status-keys") { configuration.statusKeys = value }
        if let value = options.string("policy") { configuration.policy = value }
        if let value = try options.double("phi") { configuration.wmaThreshold = value }
        if let value = options.string("profile") { configuration.profile = value }
        if let value = try options.int("kv-tokens") { configuration.kvTokenCapacity = value }
        if options.flag("memory-upper-bound") { configuration.memoryCheckUsesUpperBound = true }
        if let value = try options.int("max-attempts") { configuration.maxAttempts = value }
        if let value = try options.int("default-max-new-tokens") { configuration.defaultMaxNewTokens = value }
        if let value = try options.int("max-new-tokens-limit") { configuration.maxNewTokensLimit = value }
        if let value = try options.int("max-queued") { configuration.maxQueuedRequests = value }
        if let value = try options.int("max-payload-bytes") { configuration.maxPayloadBytes = value }
        if let value = try options.int("max-frame-bytes") { configuration.maxFrameBytes = value }
        if let value = try options.int("max-input-bytes") { configuration.maxInputBytes = value }
        if let value = try options.int("max-input-tokens") { configuration.maxInputTokens = value }
        if let value = try options.int("max-in-flight") { configuration.maxInFlightPerClient = value }
        if options.flag("accept-missed-deadlines") { configuration.refuseMissedDeadlines = false }
        if let value = try options.int("finished-capacity") { configuration.finishedCapacity = value }
        if let value = options.list("training-data") { configuration.trainingData = value }
        if let value = try options.int("training-rows") { configuration.trainingRowsPerFile = value }
        if let value = try options.int("trees") { configuration.forestTrees = value }
        if let value = try options.int("seed", in: 0...Int.max) { configuration.seed = UInt64(value) }
        if let value = try options.double("heartbeat-interval") { configuration.heartbeatInterval = value }
        if let value = try options.double("heartbeat-timeout") { configuration.heartbeatTimeout = value }
        if let value = try options.double("status-interval") { configuration.statusInterval = value }
        if let value = try options.double("status-window") { configuration.statusWindow = value }
        if let value = try options.double("drain-timeout") { configuration.drainTimeout = value }
        if let value = options.string("log-level") { configuration.logLevel = value }
        if options.flag("exit-with-parent") { configuration.exitWithParent = true }
        try StorageOptions.apply(options, to: &configuration.storage)
        try configuration.validate()
        _ = try PredictorBootstrap.kvTokenCapacity(configuration)
        do {
            _ = try CoordinatorSecurity.load(configuration)
        } catch {
            throw UsageError("magnus-coordinator: \(error)")
        }
        return (configuration, options.help)
    }
}
