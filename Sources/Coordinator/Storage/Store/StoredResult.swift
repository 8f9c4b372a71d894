import Coordinator
import Shared

/// The final answer of a finished request, for a client that resubmits its id.
public struct StoredResult: Sendable, Hashable {
    public var id: RequestID
    /// `.done`, `.failed` or `.cancelled`.
    public var status: RequestStatus
    /// The output of a done request.
    public var output: RequestOutput?
    /// Why a failed or cancelled request has no output.
    public var error: MagnusError?
    public var prediction: LengthPrediction
    public var fingerprint: UInt64?
    public var worker: WorkerID?
    public var arrival: Seconds
    public var dispatchedAt: Seconds?
    public var finishedAt: Seconds
}
