import Shared

/// What `magnus-worker` takes on its command line, as typed values; each option is declared
/// once in `schema` (WorkerSettings+Options.swift) with its flag, help and checks, and its
/// default is the value here (nil: derived, or the engine's own). `WorkerOptions.parse` turns
/// them into the service's configuration, the engine and the log level.
public struct WorkerSettings: Sendable, Hashable {
    /// The coordinator's worker endpoint (required).
    public var coordinator: String?
    /// GPU index on this host (nil: 0, and `CUDA_VISIBLE_DEVICES` left alone).
    public var gpu: Int?
    /// Worker name (nil: `HOST-gpuN`).
    public var id: String?
    /// Simulated engine profile.
    public var profile = "v100-chatglm6b"
    /// Batch at the iteration level (continuous batching) instead of static batches.
    public var continuous = false
    /// Simulated time runs this many times faster than real time.
    public var timeScale: Double = 1
    /// Lognormal σ of the simulated duration noise.
    public var jitter: Double = 0
    /// Seed of the duration noise (nil: the GPU index).
    public var seed: UInt64?
    /// Heartbeat interval until the coordinator sets one, seconds.
    public var heartbeatInterval: Double = 1
    /// On SIGINT/SIGTERM, how long to finish the running batch, seconds.
    public var drainTimeout: Double = 60
    /// The lowest severity logged.
    public var logLevel = LogLevel.info
    /// The shape of the log lines (text or JSON).
    public var logFormat = LogFormat.text
    /// Drain and exit when the parent process exits.
    public var exitWithParent = false
    /// The simulated GPU or the real engine.
    public var engine = WorkerEngineKind.simulated
    /// Real engine: the model (nil: `smollm2`).
    public var model: String?
    /// Real engine: `cpu`, `cuda` or `auto` (nil: `auto`).
    public var device: String?
    /// Real engine: Θ in bytes, or `auto` (nil: `auto`).
    public var kvBudgetBytes: String?
    /// Real engine: the Python environment (nil: searched for).
    public var engineVenv: String?
    /// Real engine: the folder holding `magnus_engine` (nil: searched for).
    public var engineDir: String?
    /// Real engine: torch CPU threads (nil: the engine's).
    public var engineThreads: Int?
    /// Real engine: longest a batch may run, seconds (nil: 600).
    public var engineTimeout: Double?
    /// Real engine: how long the model may take to load, seconds (nil: 300).
    public var engineStartTimeout: Double?
    /// Real engine: restarts within 10 minutes before the worker gives up (nil: 5).
    public var engineMaxRestarts: Int?

    public init() {}
}
