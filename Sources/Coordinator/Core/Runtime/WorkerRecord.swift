import Shared

/// The coordinator's view of one connected worker.
struct WorkerRecord: Sendable {
    enum State: Sendable, Hashable {
        /// Welcomed; has not asked for work yet (or just reported a batch).
        case connected
        /// Sent `ready`: waiting for a batch.
        case idle
        /// Running `batch`.
        case busy(BatchID, size: Int)
    }

    /// The DEALER's routing id: the address of every message to it.
    var routingID: [UInt8]
    var id: WorkerID
    var capabilities: WorkerCapabilities
    var state: State = .connected
    var stateSince: Double
    var lastHeard: Double
    var completedBatches = 0

    var batch: BatchID? {
        if case .busy(let batch, _) = state { return batch }
        return nil
    }

    var status: String {
        switch state {
        case .connected: "connected"
        case .idle: "idle"
        case .busy: "busy"
        }
    }
}
