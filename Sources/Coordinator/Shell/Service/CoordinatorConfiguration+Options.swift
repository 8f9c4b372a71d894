import Coordinator
import ServiceSupport
import Shared
import Worker

extension CoordinatorConfiguration {
    /// Every option of the coordinator, its log store and retraining included: one
    /// declaration each, from which the flags, `--help`, the config-file keys and the
    /// per-option checks follow. Flags follow keys (`wma_threshold` is `--wma-threshold`,
    /// `heartbeat_interval_s` is `--heartbeat-interval`); older flags are aliases.
    public static let schema = ownSchema + StorageConfiguration.schema.lifted(\CoordinatorConfiguration.storage)

    /// The coordinator's own options (without `storage`'s).
    static let ownSchema = ConfigSchema(endpointOptions + securityOptions + schedulingOptions + limitOptions + learningOptions + serviceOptions)

    private typealias Option = ConfigOption<CoordinatorConfiguration>

    private static let endpointOptions: [Option] = [
        Option("client_endpoint", \.clientEndpoint, "ENDPOINT", help: "ROUTER endpoint for clients.", check: [.endpoint(.bind)]),
        Option("worker_endpoint", \.workerEndpoint, "ENDPOINT", help: "ROUTER endpoint for workers.", check: [.endpoint(.bind)]),
        Option(
            "status_endpoint", \.statusEndpoint, "ENDPOINT", help: "PUB endpoint for the status stream.", check: [.endpoint(.bind)]),
    ]

    private static let securityOptions: [Option] = [
        Option(
            "curve_secret_key_file", \.curveSecretKeyFile, "FILE",
            help: "The coordinator's CURVE secret key (mode 0600, from `magnus keygen`): workers and clients must authenticate.",
            check: [.nonEmpty]),
        Option(
            "worker_keys", \.workerKeys, "FILE|DIR",
            help: "Allowlist of worker public keys: a key file or a folder of .pub files (with CURVE).", check: [.nonEmpty]),
        Option(
            "client_keys", \.clientKeys, "FILE|DIR",
            help: "Allowlist of client public keys: a key file or a folder of .pub files (with CURVE).", check: [.nonEmpty]),
        Option(
            "status_auth", \.statusAuth,
            help: "Status stream: open, or curve (subscribers need a key on --status-keys or --client-keys)."),
        Option(
            "status_keys", \.statusKeys, "FILE|DIR", help: "Allowlist of status subscribers for --status-auth curve.",
            defaultNote: "the client keys", check: [.nonEmpty]),
    ]

    private static let schedulingOptions: [Option] = [
        Option(
            "policy", \.policy,
            help: "Batching policy: \(PolicyChoice.serviceSyntax); magnus-ua is uncertainty-aware Magnus (docs/benchmarks.md section 6).",
            check: [
                ConfigCheck("must be a policy the service runs (\(PolicyChoice.serviceSyntax)); oracle and ccb run only in magnus bench") {
                    $0.runsInService
                }
            ]),
        Option(
            "wma_threshold", \.wmaThreshold, "X", help: "Φ, the WMA threshold in token reads.", aliases: ["phi"],
            check: [.positive]),
        Option(
            "profile", \.profile, "NAME",
            help: "Engine profile whose KV capacity and batch-time prior the scheduler plans with: \(EngineProfile.builtinNames.joined(separator: ", ")).",
            check: [
                ConfigCheck("must name a built-in engine profile (\(EngineProfile.builtinNames.joined(separator: ", ")))") {
                    EngineProfile.named($0) != nil
                }
            ]),
        Option(
            "kv_token_capacity", \.kvTokenCapacity, "N", help: "KV token slots to plan for (Θ/Δ); overrides the profile's.",
            aliases: ["kv-tokens"], defaultNote: "the profile's", check: [.positive]),
        Option(
            "memory_check_upper_bound", \.memoryCheckUsesUpperBound,
            help: "Check memory with the predicted upper bound instead of the point prediction.", aliases: ["memory-upper-bound"]),
        Option("max_attempts", \.maxAttempts, help: "Lost dispatches before a batch is split.", check: [.atLeast(1)]),
    ]

    private static let limitOptions: [Option] = [
        Option(
            "default_max_new_tokens", \.runtime.defaultMaxNewTokens, help: "max_new_tokens when a submit gives none (at most --max-new-tokens-limit).",
            check: [.atLeast(1)]),
        Option("max_new_tokens_limit", \.runtime.maxNewTokensLimit, help: "Largest max_new_tokens accepted.", check: [.atLeast(1)]),
        Option(
            "max_queued_requests", \.runtime.maxQueuedRequests, help: "Queued requests beyond which submits get 'overloaded'.",
            aliases: ["max-queued"], check: [.atLeast(1)]),
        Option(
            "max_payload_bytes", \.runtime.maxPayloadBytes, help: "Largest client message accepted, in bytes ('payload_too_large' beyond).",
            check: [.within(256...WireProtocol.transportMessageLimit)]),
        Option(
            "max_frame_bytes", \.maxFrameBytes,
            help: "Largest frame on the client socket; larger ones drop the connection without a reply (at least --max-payload-bytes).",
            defaultNote: "8 MiB or twice --max-payload-bytes", check: [.atMost(WireProtocol.transportMessageLimit)]),
        Option(
            "max_input_bytes", \.runtime.maxInputBytes,
            help: "Largest instruction plus input in bytes; beyond it submits get 'input_too_long'.", defaultNote: "no limit",
            check: [.atLeast(1)]),
        Option(
            "max_input_tokens", \.runtime.maxInputTokens, help: "Largest input in tokens; beyond it submits get 'input_too_long'.",
            defaultNote: "the KV cache", check: [.atLeast(1)]),
        Option(
            "max_in_flight_per_client", \.runtime.maxInFlightPerClient,
            help: "Pending requests per client connection beyond which submits get 'overloaded'.", aliases: ["max-in-flight"],
            defaultNote: "no limit", check: [.atLeast(1)]),
        Option(
            "refuse_missed_deadlines", \.runtime.refuseMissedDeadlines,
            help: "Refuse at once ('deadline_exceeded') a submit whose predicted completion misses its deadline; --no-refuse-missed-deadlines queues it.",
            negatedAliases: ["accept-missed-deadlines"]),
        Option(
            "finished_capacity", \.runtime.finishedCapacity, help: "Finished answers kept for idempotent resubmits.", check: [.nonNegative]),
    ]

    private static let learningOptions: [Option] = [
        Option(
            "training_data", \.trainingData, "FILES",
            help: "Task JSONL files (comma-separated on the command line) to train the length predictor on at start; builtin = the built-in workload generator.",
            defaultNote: "none = the LengthRatioPredictor prior"),
        Option(
            "training_rows_per_file", \.trainingRowsPerFile, help: "Rows read from each training file.", aliases: ["training-rows"],
            defaultNote: "all", check: [.atLeast(1)]),
        Option("forest_trees", \.forestTrees, help: "Trees in the trained forest.", aliases: ["trees"], check: [.atLeast(1)]),
        Option("seed", \.seed, help: "Seed for the forest."),
    ]

    private static let serviceOptions: [Option] = [
        Option(
            "heartbeat_interval_s", \.runtime.heartbeatInterval, "SECONDS", help: "How often workers beat.", check: [.positive]),
        Option(
            "heartbeat_timeout_s", \.runtime.heartbeatTimeout, "SECONDS",
            help: "Silence before a worker is declared lost (more than --heartbeat-interval).", check: [.positive]),
        Option("status_interval_s", \.runtime.statusInterval, "SECONDS", help: "Seconds between status snapshots.", check: [.positive]),
        Option(
            "status_window_s", \.runtime.statusWindow, "SECONDS", help: "Window of the snapshot's throughput and latency.",
            check: [.positive]),
        Option(
            "drain_timeout_s", \.runtime.drainTimeout, "SECONDS", help: "How long a drain waits for running batches.",
            check: [.nonNegative]),
        Option(
            "batch_timeout_factor", \.runtime.batchTimeoutFactor, "X",
            help: "A batch running longer than X times its estimate (and than the floor) is taken back and requeued.",
            check: [.positive]),
        Option(
            "batch_timeout_floor_s", \.runtime.batchTimeoutFloor, "SECONDS",
            help: "Seconds a batch may always run before the batch timeout applies.", check: [.positive]),
        Option("log_level", \.logLevel, help: "Lowest severity logged."),
        Option(
            "log_format", \.logFormat,
            help: "Log lines on standard error: text (UTC time, component, level, message) or json (one object per line: ts, level, component, message)."),
        Option(
            "exit_with_parent", \.exitWithParent,
            help: "Drain and exit when the parent process exits (for test harnesses and supervisors)."),
    ]
}
