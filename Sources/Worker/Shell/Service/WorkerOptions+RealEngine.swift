import ServiceSupport
import Shared

extension WorkerOptions {
    /// The options that choose and configure the engine (`--engine real` and its settings).
    static let engineSpecs: [OptionSpec] = [
        .value(
            "engine", "KIND",
            "simulated (default: the GPU cost model) or real: a transformers model in a Python engine process this worker starts and supervises (set up with deploy/setup-engine.sh; see docs/real-engine-worker.md)."
        ),
        .value(
            "model", "NAME",
            "Real engine: smollm2 (SmolLM2-135M-Instruct), tiny-random (for tests), or a local model folder or .gguf file (default: smollm2)."
        ),
        .value("device", "DEVICE", "Real engine: cpu, cuda or auto (default: auto = cuda when available)."),
        .value(
            "kv-budget-bytes", "N",
            "Real engine: Θ, the KV-cache bytes a batch may use; a larger batch is answered with an OOM report and split (default: auto = 90% of free GPU memory, or half the available RAM on CPU; 0 = unlimited)."
        ),
        .value(
            "engine-venv", "DIR",
            "Real engine: the Python environment made by deploy/setup-engine.sh (default: .venv-engine found beside the executable or in the current folder or above)."
        ),
        .value(
            "engine-dir", "DIR",
            "Real engine: the folder holding the magnus_engine package (default: engine/ found the same way)."),
        .value("engine-threads", "N", "Real engine: torch CPU threads (default: the engine's, 1 on CPU)."),
        .value(
            "engine-timeout", "SECONDS",
            "Real engine: longest a batch may run before the engine is restarted and the batch reported as a fault (default: 600)."
        ),
        .value(
            "engine-start-timeout", "SECONDS",
            "Real engine: how long to wait for the engine to load its model (default: 300)."),
        .value(
            "engine-max-restarts", "N",
            "Real engine: restarts within 10 minutes before the worker gives up and leaves (default: 5)."),
    ]

    /// The real engine's settings from `options`, or nil for the simulated engine.
    /// - Throws: `UsageError` for bad values, or real-engine options without `--engine real`.
    static func realEngineSettings(_ options: CommandOptions, gpu: Int?) throws(UsageError) -> RealEngineSettings? {
        let kind = options.string("engine") ?? "simulated"
        let specific = [
            "model", "device", "kv-budget-bytes", "engine-venv", "engine-dir", "engine-threads", "engine-timeout",
            "engine-start-timeout", "engine-max-restarts",
        ]
        switch kind {
        case "simulated":
            if let given = specific.first(where: { options.string($0) != nil }) {
                throw UsageError("magnus-worker: --\(given) applies to the real engine only (add --engine real)")
            }
            return nil
        case "real":
            break
        default:
            throw UsageError("magnus-worker: --engine must be simulated or real, got '\(kind)'")
        }
        var settings = RealEngineSettings(model: options.string("model") ?? "smollm2")
        guard !settings.model.isEmpty else { throw UsageError("magnus-worker: --model must not be empty") }
        settings.device = options.string("device") ?? "auto"
        guard ["cpu", "cuda", "auto"].contains(settings.device) else {
            throw UsageError("magnus-worker: --device must be cpu, cuda or auto, got '\(settings.device)'")
        }
        if let budget = options.string("kv-budget-bytes"), budget != "auto" {
            settings.kvBudgetBytes = try options.int("kv-budget-bytes", in: 0...Int.max)
        }
        settings.venv = options.string("engine-venv")
        settings.engineDirectory = options.string("engine-dir")
        settings.threads = try options.int("engine-threads", in: 0...1024)
        settings.requestTimeout = try options.double("engine-timeout", in: 0.1...86_400) ?? settings.requestTimeout
        settings.startTimeout = try options.double("engine-start-timeout", in: 0.1...86_400) ?? settings.startTimeout
        settings.maxRestarts = try options.int("engine-max-restarts", in: 0...1000) ?? settings.maxRestarts
        settings.cudaVisibleDevices = gpu.map(String.init)
        return settings
    }
}
