import Shared
import Worker

extension WorkerSettings {
    /// Every option of `magnus-worker` but the CURVE ones (`CurveOptions`, shared with the
    /// clients): flags follow the keys as in the coordinator's configuration.
    public static let schema = serviceSchema + engineSchema

    /// The options that apply to the real engine only (all of `engineSchema` but `--engine`).
    static let realEngineOnlyOptions: [ConfigOption<WorkerSettings>] = Array(realEngineOptions.dropFirst())

    private typealias Option = ConfigOption<WorkerSettings>

    private static let serviceOptions: [Option] = [
        Option("coordinator", \.coordinator, "ENDPOINT", help: "The coordinator's worker endpoint, e.g. tcp://10.0.0.1:5556; required.",
            defaultNote: "none", check: [.nonEmpty, .endpoint(.connect)]),
        Option("gpu", \.gpu, help: "GPU index on this host; names the worker when --id is not given.", defaultNote: "0",
            check: [.within(0...1023)]),
        Option("id", \.id, "NAME", help: "Worker name, unique in the cluster (1 to 255 bytes).", defaultNote: "HOST-gpuN"),
        Option(
            "profile", \.profile, "NAME", help: "Simulated engine profile: \(EngineProfile.builtinNames.joined(separator: ", ")).",
            check: [
                ConfigCheck("must name a built-in profile (\(EngineProfile.builtinNames.joined(separator: ", ")))") {
                    EngineProfile.named($0) != nil
                }
            ]),
        Option(
            "continuous", \.continuous,
            help: "Batch at the iteration level: pull single requests whenever there is room, run them with a paged KV cache, report each as it finishes (for the coordinator's continuous policies: ccb, fcfs-cb, magnus-cb; docs/protocol.md)."),
        Option(
            "time_scale", \.timeScale, "X", help: "Run simulated time X times faster than real time, e.g. 50 for demos.",
            check: [.within(1e-3...1e9)]),
        Option("jitter", \.jitter, "SIGMA", help: "Lognormal σ of the simulated duration noise.", check: [.within(0...2)]),
        Option("seed", \.seed, help: "Seed of the duration noise.", defaultNote: "the GPU index"),
        Option(
            "heartbeat_interval_s", \.heartbeatInterval, "SECONDS", help: "Heartbeat interval until the coordinator sets one.",
            check: [.within(0.01...3600)]),
        Option(
            "drain_timeout_s", \.drainTimeout, "SECONDS", help: "On SIGINT/SIGTERM, how long to finish the running batch.",
            check: [.within(0...86_400)]),
        Option("log_level", \.logLevel, help: "Lowest severity logged."),
        Option(
            "log_format", \.logFormat,
            help: "Log lines on standard error: text (UTC time, component, level, message) or json (one object per line)."),
        Option(
            "exit_with_parent", \.exitWithParent,
            help: "Drain and exit when the parent process exits (for test harnesses and supervisors)."),
    ]

    /// `--engine`, then the options that only the real engine takes.
    private static let realEngineOptions: [Option] = [
        Option(
            "engine", \.engine,
            help: "simulated (the GPU cost model) or real: a transformers model in a Python engine process this worker starts and supervises (set up with deploy/setup-engine.sh; see docs/real-engine-worker.md)."),
        Option(
            "model", \.model, "NAME",
            help: "Real engine: smollm2 (SmolLM2-135M-Instruct), tiny-random (for tests), or a local model folder or .gguf file.",
            defaultNote: "smollm2", check: [.nonEmpty]),
        Option(
            "device", \.device, "DEVICE", help: "Real engine: cpu, cuda or auto.", defaultNote: "auto = cuda when available",
            check: [ConfigCheck("must be cpu, cuda or auto") { ["cpu", "cuda", "auto"].contains($0) }]),
        Option(
            "kv_budget_bytes", \.kvBudgetBytes, "N",
            help: "Real engine: Θ, the KV-cache bytes a batch may use; a larger batch is answered with an OOM report and split; 0 = unlimited.",
            defaultNote: "auto = 90% of free GPU memory, or half the available RAM on CPU",
            check: [ConfigCheck("must be auto or a whole number of bytes ≥ 0") { $0 == "auto" || (Int($0) ?? -1) >= 0 }]),
        Option(
            "engine_venv", \.engineVenv, "DIR", help: "Real engine: the Python environment made by deploy/setup-engine.sh.",
            defaultNote: ".venv-engine found beside the executable or in the current folder or above"),
        Option(
            "engine_dir", \.engineDir, "DIR", help: "Real engine: the folder holding the magnus_engine package.",
            defaultNote: "engine/ found the same way"),
        Option(
            "engine_threads", \.engineThreads, help: "Real engine: torch CPU threads.", defaultNote: "the engine's, 1 on CPU",
            check: [.within(0...1024)]),
        Option(
            "engine_timeout_s", \.engineTimeout, "SECONDS",
            help: "Real engine: longest a batch may run before the engine is restarted and the batch reported as a fault.",
            defaultNote: "600", check: [.within(0.1...86_400)]),
        Option(
            "engine_start_timeout_s", \.engineStartTimeout, "SECONDS",
            help: "Real engine: how long to wait for the engine to load its model.", defaultNote: "300",
            check: [.within(0.1...86_400)]),
        Option(
            "engine_max_restarts", \.engineMaxRestarts,
            help: "Real engine: restarts within 10 minutes before the worker gives up and leaves.", defaultNote: "5",
            check: [.within(0...1000)]),
    ]

    /// The engine options, `--engine` first, for the help text.
    static let engineSchema = ConfigSchema(realEngineOptions)
    /// The options before the CURVE ones in the help text.
    static let serviceSchema = ConfigSchema(serviceOptions)
}
