import Coordinator
import Shared

/// A finished request with everything needed to answer its id again after a restart: the
/// request as journalled (to recompute the client's content fingerprint), its final status
/// and answer, and where and when it ran. Times are on the current run's clock.
public struct FinishedRequest: Sendable, Hashable {
    public var request: Request
    /// `.done`, `.failed` or `.cancelled`.
    public var status: RequestStatus
    /// The output of a done request.
    public var output: RequestOutput?
    /// Why a failed or cancelled request has no output.
    public var error: MagnusError?
    /// G′ and its upper bound as predicted at accept.
    public var prediction: LengthPrediction
    public var worker: WorkerID?
    /// The batch of its last dispatch (numbered within `run`).
    public var batchID: BatchID?
    public var run: Int?
    public var dispatchedAt: Seconds?
    public var finishedAt: Seconds
}
