/// `heartbeat` (worker → coordinator): sent every heartbeat interval, busy or idle. A worker
/// silent for the coordinator's heartbeat timeout is declared lost and its batch requeued.
public struct HeartbeatMessage: WireMessage {
    public static let type = "heartbeat"

    /// The batch being run, if any.
    public var batchID: BatchID?

    public init(batchID: BatchID? = nil) { self.batchID = batchID }

    enum CodingKeys: String, CodingKey { case batchID = "batch_id" }
}
