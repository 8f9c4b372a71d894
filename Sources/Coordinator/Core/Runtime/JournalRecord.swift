import Shared

/// One change the coordinator runtime asks its shell to write to the log store. The shell
/// commits every record of a poll iteration in one transaction and only then sends that
/// iteration's client replies, so an acknowledged request, and every answer, is on disk
/// before the client hears of it (write-ahead). Produced only when a log path is set.
public enum JournalRecord: Sendable, Hashable {
    /// The scheduler accepted a request: journal it before the `accepted` reply, with where
    /// its answer goes (a recovered request's answer goes there after a restart).
    case accepted(Request, client: ClientEnvelope, fingerprint: ContentFingerprint, prediction: LengthPrediction, at: Double)
    /// A batch went to a worker.
    case dispatched(DispatchedBatch, at: Double)
    /// What the scheduler made of a finished batch (`Scheduler.complete`): results, the
    /// batch's measurements, requeued leftovers.
    case outcome([SchedulerAction], at: Double)
    /// A batch came back without results (OOM, fault, lost worker) and what the scheduler
    /// made of it: split, requeue or final failures.
    case batchFailed(BatchID, BatchFailure, actions: [SchedulerAction], at: Double)
    /// A queued request was cancelled by its client.
    case cancelled(RequestID, at: Double)
    /// A request got a final error outside a batch (deadline, drain); stamped at commit.
    case failed(RequestID, MagnusError)
}
