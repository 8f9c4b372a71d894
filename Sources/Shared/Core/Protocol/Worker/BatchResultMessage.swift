/// `result` (worker → coordinator): a batch finished; one output per request.
public struct BatchResultMessage: WireMessage {
    public static let type = "result"

    public var batchID: BatchID
    /// Device seconds the batch took (modelled, for a simulated engine).
    public var duration: Double
    public var outputs: [WireOutput]
    /// Device seconds from the start of the run to the first generated token (the prefill);
    /// absent from workers that do not measure it.
    public var firstTokenSeconds: Double?

    public init(batchID: BatchID, duration: Double, outputs: [RequestOutput], firstTokenSeconds: Double? = nil) {
        self.batchID = batchID
        self.duration = duration
        self.outputs = outputs.map(WireOutput.init)
        self.firstTokenSeconds = firstTokenSeconds
    }

    enum CodingKeys: String, CodingKey {
        case duration, outputs
        case batchID = "batch_id"
        case firstTokenSeconds = "first_token_s"
    }
}
