/// `preempted` (continuous worker → coordinator): the engine freed an admission's KV cache
/// because a decoding step could not get memory. It carries what was generated so far; the
/// coordinator requeues the request as a continuation (its cache is recomputed from prompt
/// and text when it is admitted again) with a raised prediction.
public struct PreemptedMessage: WireMessage {
    public static let type = "preempted"

    public var batchID: BatchID
    /// Text generated before the preemption, which the next admission continues.
    public var text: String
    public var generatedTokens: Int
    /// Device seconds the admission ran before it was preempted.
    public var duration: Double
    /// Device seconds from the admission to its first token.
    public var firstTokenSeconds: Double?

    public init(batchID: BatchID, text: String, generatedTokens: Int, duration: Double, firstTokenSeconds: Double? = nil) {
        self.firstTokenSeconds = firstTokenSeconds
        self.batchID = batchID
        self.text = text
        self.generatedTokens = generatedTokens
        self.duration = duration
    }

    enum CodingKeys: String, CodingKey {
        case text, duration
        case batchID = "batch_id"
        case generatedTokens = "generated_tokens"
        case firstTokenSeconds = "first_token_s"
    }
}
