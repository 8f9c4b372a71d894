/// `result` (worker → coordinator): a batch finished; one output per request.
public struct BatchResultMessage: WireMessage {
    public static let type = "result"

    public var batchID: BatchID
    /// Device seconds the batch took (modelled, for a simulated engine).
    public var duration: Double
    public var outputs: [WireOutput]

    public init(batchID: BatchID, duration: Double, outputs: [RequestOutput]) {
        self.batchID = batchID
        self.duration = duration
        self.outputs = outputs.map(WireOutput.init)
    }

    enum CodingKeys: String, CodingKey {
        case duration, outputs
        case batchID = "batch_id"
    }
}
