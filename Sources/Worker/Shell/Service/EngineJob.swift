import Shared

/// What the worker's socket loop hands its engine thread, as a value (no encoding): a batch
/// to run, or the end (the loop is over; a batch being waited out is abandoned).
enum EngineJob: Sendable {
    /// Run this batch and report it.
    case run(BatchMessage)
    /// End the engine thread.
    case stop
}
