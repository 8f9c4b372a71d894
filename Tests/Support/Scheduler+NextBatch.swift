import Coordinator
import Shared

extension Scheduler {
    /// The tests' shorthand for `dispatch(to:capabilities:now:)`: the batch handed out, if any
    /// (split actions on the way are dropped).
    public mutating func nextBatch(for worker: WorkerID, capabilities: WorkerCapabilities, now: Seconds) -> DispatchedBatch? {
        dispatch(to: worker, capabilities: capabilities, now: now).dispatchedBatch
    }
}
