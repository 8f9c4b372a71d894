/// `fault` (worker → coordinator): the engine failed on the batch for a reason other than
/// memory; the coordinator requeues it (and splits it after repeated failures).
public struct FaultMessage: WireMessage {
    public static let type = "fault"

    public var batchID: BatchID
    public var message: String

    public init(batchID: BatchID, message: String) {
        self.batchID = batchID
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case message
        case batchID = "batch_id"
    }
}
