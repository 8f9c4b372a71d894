import Shared

/// Which engine a worker runs (`--engine`).
public enum WorkerEngineKind: String, Sendable, Hashable, CaseIterable, ConfigChoice {
    /// The GPU cost model (`SimulatedGPUEngine`) with a named profile.
    case simulated
    /// A transformers model in a Python engine process the worker starts and supervises.
    case real
}
