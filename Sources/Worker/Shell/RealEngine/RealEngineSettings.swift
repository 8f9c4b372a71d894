import ServiceSupport
/// How a worker starts and supervises its real engine process (`python -m magnus_engine`):
/// the model and device, the KV budget, where the Python environment and the engine package
/// are, and the supervision limits. `magnus-worker --engine real` builds it from its options.
public struct RealEngineSettings: Sendable, Hashable {
    /// `smollm2`, `tiny-random`, or a local model folder or `.gguf` file.
    public var model = "smollm2"
    /// `cpu`, `cuda` or `auto`.
    public var device = "auto"
    /// Θ in bytes; nil lets the engine choose (`auto`), 0 means unlimited.
    public var kvBudgetBytes: Int?
    /// torch CPU threads; nil keeps the engine's default (1 on CPU).
    public var threads: Int?
    /// The virtual environment made by deploy/setup-engine.sh; nil = search (`EngineLocation`).
    public var venv: String?
    /// The folder holding the `magnus_engine` package; nil = search.
    public var engineDirectory: String?
    /// Seconds to wait for a starting engine's `hello` (loading torch and the model).
    public var startTimeout: Double = 300
    /// Seconds a batch may take before the engine is declared hung, ended and restarted.
    public var requestTimeout: Double = 600
    /// Restarts allowed within `restartWindow` seconds before the worker gives up.
    public var maxRestarts = 5
    public var restartWindow: Double = 600
    /// First restart delay after consecutive failures; doubles up to `maxBackoff`.
    public var initialBackoff: Double = 0.5
    public var maxBackoff: Double = 30
    /// Seconds between SIGTERM and SIGKILL when the engine is stopped.
    public var stopGrace: Double = 5
    /// `CUDA_VISIBLE_DEVICES` for the engine process (the worker's `--gpu`), unless the
    /// environment already sets it.
    public var cudaVisibleDevices: String?
    /// Further `magnus_engine` options, passed as given.
    public var extraArguments: [String] = []
    /// Start the engine in its continuous mode (transformers' `ContinuousBatchingManager`).
    public var continuous = false
    /// Continuous mode: most requests the engine runs at once (nil: the engine's default).
    public var maxRunning: Int?

    public init(model: String = "smollm2") { self.model = model }

    /// The engine's command-line options for `endpoint`.
    public func arguments(endpoint: String) -> [String] {
        var arguments = ["-m", "magnus_engine", "--endpoint", endpoint, "--model", model, "--device", device]
        arguments += ["--kv-budget-bytes", kvBudgetBytes.map(String.init) ?? "auto"]
        if let threads { arguments += ["--threads", String(threads)] }
        if continuous {
            arguments.append("--continuous")
            if let maxRunning { arguments += ["--max-running", String(maxRunning)] }
        }
        return arguments + extraArguments
    }
}
