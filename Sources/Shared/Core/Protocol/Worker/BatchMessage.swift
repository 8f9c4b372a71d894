/// `batch` (coordinator → worker): one static batch to run, sent only after `ready`.
public struct BatchMessage: WireMessage {
    public static let type = "batch"

    public var batchID: BatchID
    public var requests: [WireBatchItem]
    /// T_p: the coordinator's estimate of the batch's device seconds.
    public var estimatedSeconds: Double

    public init(batchID: BatchID, requests: [WireBatchItem], estimatedSeconds: Double) {
        self.batchID = batchID
        self.requests = requests
        self.estimatedSeconds = estimatedSeconds
    }

    enum CodingKeys: String, CodingKey {
        case requests
        case batchID = "batch_id"
        case estimatedSeconds = "estimated_s"
    }
}
