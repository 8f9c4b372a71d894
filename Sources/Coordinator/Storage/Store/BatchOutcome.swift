import Coordinator

/// How a batch ended; the `batches.outcome` column (NULL while queued or running).
public enum BatchOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// The worker returned results.
    case done
    /// The KV cache did not fit (`oom_step` records the decoding step).
    case oom
    /// The worker stopped heart-beating, or the coordinator restarted while it was out.
    case lost
    /// The engine failed for another reason (`fault_message`).
    case fault

    /// The outcome recorded for a scheduler `BatchFailure`.
    public init(_ failure: BatchFailure) {
        switch failure {
        case .outOfMemory: self = .oom
        case .workerLost: self = .lost
        case .engineFault, .preempted: self = .fault
        }
    }
}
