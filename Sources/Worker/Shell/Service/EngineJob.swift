import Shared
import Worker

/// What the worker's socket loop hands its engine thread, as a value (no encoding): a batch
/// to run, an admission for the continuous engine, or the end (the loop is over; a batch
/// being waited out is abandoned).
enum EngineJob: Sendable {
    /// Run this batch and report it.
    case run(BatchMessage)
    /// Continuous engine: this admission joins at the next step.
    case admit(BatchMessage)
    /// End the engine thread.
    case stop
}

/// What the engine thread hands back to the socket loop.
enum EngineReport: Sendable {
    /// A static batch's `result`, `oom` or `fault`.
    case finished(WorkerMessage)
    /// One step of the continuous engine.
    case stepped(ContinuousStep)
    /// The continuous engine refused an admission.
    case admissionFailed(BatchID, String, ContinuousRoom)
}
