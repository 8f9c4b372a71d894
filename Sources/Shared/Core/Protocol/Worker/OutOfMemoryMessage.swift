/// `oom` (worker → coordinator): the batch ran out of KV-cache memory; the coordinator splits it.
public struct OutOfMemoryMessage: WireMessage {
    public static let type = "oom"

    public var batchID: BatchID
    /// Decoding step at which memory ran out (0 = prefill).
    public var step: Int
    public var requiredBytes: Int
    public var availableBytes: Int
    /// Device seconds spent until the failure.
    public var duration: Double

    public init(batchID: BatchID, step: Int, requiredBytes: Int, availableBytes: Int, duration: Double) {
        self.batchID = batchID
        self.step = step
        self.requiredBytes = requiredBytes
        self.availableBytes = availableBytes
        self.duration = duration
    }

    enum CodingKeys: String, CodingKey {
        case step, duration
        case batchID = "batch_id"
        case requiredBytes = "required_bytes"
        case availableBytes = "available_bytes"
    }
}
