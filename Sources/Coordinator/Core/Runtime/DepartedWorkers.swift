import Shared

/// Workers that left recently (lost or said goodbye), kept for the status snapshot so that an
/// operator sees `down` for a while instead of a row that silently vanishes. It learns
/// departures by comparing each snapshot's connected workers with the previous one's, so a
/// departure is dated at the first snapshot without the worker (within one status interval
/// of the real time); a worker that connects again under its name is no longer down.
struct DepartedWorkers: Sendable {
    /// Seconds a departed worker is shown `down`.
    static let shownFor: Double = 60

    /// The connected workers of the previous snapshot.
    private var previous: [WorkerID: WorkerStatus] = [:]
    /// Departed workers: their last status and when the departure was seen.
    private var departed: [WorkerID: (status: WorkerStatus, since: Double)] = [:]

    /// `connected` followed by the workers that departed within `shownFor` seconds, in state
    /// `down` with `stateSeconds` counted from the departure, sorted by name.
    /// - Complexity: O(w log w) for w connected and departed workers.
    mutating func merge(_ connected: [WorkerStatus], now: Double) -> [WorkerStatus] {
        let current = Dictionary(connected.map { ($0.worker, $0) }, uniquingKeysWith: { first, _ in first })
        for (id, status) in previous where current[id] == nil { departed[id] = (status, now) }
        for id in current.keys { departed[id] = nil }
        departed = departed.filter { now - $0.value.since < Self.shownFor }
        previous = current
        let down = departed.values.map { entry in
            WorkerStatus(
                worker: entry.status.worker, state: WorkerStatus.down, batchID: nil, batchSize: nil,
                stateSeconds: max(0, now - entry.since), completedBatches: entry.status.completedBatches,
                gpu: entry.status.gpu, model: entry.status.model)
        }
        return connected + down.sorted { $0.worker < $1.worker }
    }
}
