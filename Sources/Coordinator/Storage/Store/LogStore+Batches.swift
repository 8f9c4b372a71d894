import Coordinator
import Shared

extension LogStore {
    /// Records a finished batch for the estimator and the logs. Members still marked
    /// running (the report lacked their outputs) go back to queued, as the scheduler
    /// requeues them.
    public func recordBatchFinished(_ observation: BatchObservation, at: Seconds) throws(StorageError) {
        try transaction { () throws(SQLiteError) in
            let position = try nextFinishPosition()
            try database.execute(
                """
                INSERT INTO batches (
                    run, id, size, max_input, predicted_max_generation, actual_max_generation, estimated_time,
                    actual_time, wasted_memory_access, worker, outcome, created_at, finished_at, finish_position)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'done', ?, ?, ?)
                ON CONFLICT (run, id) DO UPDATE SET
                    size = excluded.size, max_input = excluded.max_input,
                    predicted_max_generation = excluded.predicted_max_generation,
                    actual_max_generation = excluded.actual_max_generation, estimated_time = excluded.estimated_time,
                    actual_time = excluded.actual_time, wasted_memory_access = excluded.wasted_memory_access,
                    worker = excluded.worker, outcome = 'done', finished_at = excluded.finished_at,
                    finish_position = excluded.finish_position
                """,
                [
                    SQLiteValue(run), SQLiteValue(observation.batchID.rawValue),
                    SQLiteValue(observation.predicted.batchSize),
                    SQLiteValue(observation.predicted.maxInput), SQLiteValue(observation.predicted.maxGeneration),
                    SQLiteValue(observation.actualMaxGeneration), .real(observation.estimatedTime),
                    .real(observation.actualTime), .real(observation.wastedMemoryAccess),
                    .text(observation.worker.rawValue), stored(at), stored(at), .integer(position),
                ])
            try requeueRunningMembers(of: observation.batchID)
        }
    }

    /// Records a batch that came back without results; its members go back to queued
    /// (the scheduler then splits, requeues or fails them: record that with
    /// `recordFailure(of:reason:actions:at:)` or the individual calls).
    public func recordBatchFailed(_ batch: BatchID, reason: BatchFailure, at: Seconds) throws(StorageError) {
        let step: Int?
        let message: String?
        switch reason {
        case .outOfMemory(let at): (step, message) = (at, nil)
        case .workerLost: (step, message) = (nil, "worker lost")
        case .engineFault(let text): (step, message) = (nil, text)
        case .preempted(_, let tokens, _): (step, message) = (nil, "preempted after \(tokens) tokens")
        }
        try transaction { () throws(SQLiteError) in
            try database.execute(
                """
                INSERT INTO batches (run, id, outcome, oom_step, fault_message, created_at, finished_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run, id) DO UPDATE SET
                    outcome = excluded.outcome, oom_step = excluded.oom_step, fault_message = excluded.fault_message,
                    finished_at = excluded.finished_at
                """,
                [
                    SQLiteValue(run), SQLiteValue(batch.rawValue), .text(BatchOutcome(reason).rawValue),
                    SQLiteValue(step),
                    SQLiteValue(message), stored(at), stored(at),
                ])
            try requeueRunningMembers(of: batch)
        }
    }

    /// Records that `children` were made from `parent` (an OOM split, or a requeue after a
    /// lost worker or an engine fault). The children's rows are filled in when dispatched.
    public func recordLineage(parent: BatchID?, children: [BatchID], at: Seconds) throws(StorageError) {
        try transaction { () throws(SQLiteError) in
            let insert = try database.cachedStatement(
                """
                INSERT INTO batches (run, id, parent_id, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (run, id) DO UPDATE SET parent_id = excluded.parent_id
                """)
            for child in children {
                try insert.execute([
                    SQLiteValue(run), SQLiteValue(child.rawValue), SQLiteValue(parent?.rawValue), stored(at),
                ])
            }
        }
    }

    /// Records what the scheduler reported after an event, in one transaction: results
    /// (`.completed`), final failures (`.failed`), finished batches (`.observedBatch`) and
    /// new batches (`.split`, `.requeued`). Accepts, rejections and the rest need nothing.
    ///
    /// The completion path: `store.record(scheduler.complete(report, now: t), at: t)`; a
    /// `.requeued` batch there descends from the observed batch in the same list.
    /// - Complexity: O(actions) statements.
    public func record(_ actions: [SchedulerAction], at: Seconds) throws(StorageError) {
        let observed = actions.lazy.compactMap { action -> BatchID? in
            if case .observedBatch(let observation) = action { return observation.batchID }
            return nil
        }.first
        try record(actions, parent: observed, at: at)
    }

    /// Records a batch failure and what the scheduler made of it, in one transaction:
    /// `store.recordFailure(of: id, reason: r, actions: scheduler.failed(id, reason: r), at: t)`.
    public func recordFailure(
        of batch: BatchID, reason: BatchFailure, actions: [SchedulerAction], at: Seconds
    ) throws(StorageError) {
        try write { () throws(StorageError) in
            try recordBatchFailed(batch, reason: reason, at: at)
            try record(actions, parent: batch, at: at)
        }
    }

    private func record(_ actions: [SchedulerAction], parent: BatchID?, at: Seconds) throws(StorageError) {
        try write { () throws(StorageError) in
            for action in actions {
                switch action {
                case .completed(let completed):
                    try markFinished(completed)
                case .failed(let request, let error):
                    try markFailed(request.id, error: error, at: at)
                case .observedBatch(let observation):
                    try recordBatchFinished(observation, at: at)
                case .split(let from, let children):
                    try recordLineage(parent: from, children: children, at: at)
                case .requeued(let child, _):
                    try recordLineage(parent: parent, children: [child], at: at)
                case .continued(let id, _), .preempted(let id, _, _):
                    try markContinued(id)
                case .accepted, .rejected, .dispatched:
                    break
                }
            }
        }
    }

    private func requeueRunningMembers(of batch: BatchID) throws(SQLiteError) {
        try database.execute(
            "UPDATE requests SET status = 'queued', worker = NULL WHERE run = ? AND batch_id = ? AND status = 'running'",
            [SQLiteValue(run), SQLiteValue(batch.rawValue)])
    }
}
