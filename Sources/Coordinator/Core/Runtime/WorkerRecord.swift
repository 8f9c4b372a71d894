import Shared

/// The coordinator's view of one connected worker. The runtime owns which batch a worker
/// holds (`State.busy`); the batch itself (members, estimate) is the scheduler's
/// (`Scheduler.running`). A continuous worker holds `admissions` instead, and is `idle`
/// (eligible for admissions up to `room`) from its first `ready` on.
struct WorkerRecord: Sendable {
    enum State: Sendable, Hashable {
        /// Welcomed; has not asked for work yet (or just reported a batch).
        case connected
        /// Sent `ready`: waiting for a batch. `order` ranks waiting workers first come,
        /// first served.
        case idle(order: UInt64)
        /// Running `batch`.
        case busy(BatchID)
    }

    /// The DEALER's routing id: the address of every message to it.
    var routingID: RoutingID
    var id: WorkerID
    var capabilities: WorkerCapabilities
    var state: State = .connected
    var stateSince: Double
    var lastHeard: Double
    var completedBatches = 0
    /// Continuous workers: the admissions it runs.
    var admissions: Set<BatchID> = []
    /// Continuous workers: room left of its last `ready`, less what was admitted since.
    var room: ContinuousRoom?
    /// Continuous workers: admissions it preempted.
    var preemptions = 0

    /// Whether it batches at the iteration level.
    var isContinuous: Bool { capabilities.continuous != nil }

    /// Whether it runs `batch` (its one batch, or one of its admissions).
    func holds(_ batch: BatchID) -> Bool { self.batch == batch || admissions.contains(batch) }

    /// Everything it runs.
    var heldBatches: [BatchID] { (batch.map { [$0] } ?? []) + admissions.sorted() }

    /// The batch it runs, if busy.
    var batch: BatchID? {
        if case .busy(let batch) = state { return batch }
        return nil
    }

    /// Its place in the line of waiting workers, if idle.
    var readyOrder: UInt64? {
        if case .idle(let order) = state { return order }
        return nil
    }

    var status: String {
        switch state {
        case .connected: "connected"
        case .idle where !admissions.isEmpty: "running"
        case .idle: "idle"
        case .busy: "busy"
        }
    }
}
