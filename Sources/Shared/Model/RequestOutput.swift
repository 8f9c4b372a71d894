/// What a worker produced for one request of a batch.
public struct RequestOutput: Sendable, Hashable, Codable {
    public var id: RequestID
    /// Generated text (a placeholder of the right length from the simulated engine).
    public var text: String
    /// G(p): tokens actually generated, up to and including EOS, or the cap.
    public var generatedTokens: Int
    /// Input tokens counted by the engine's own tokenizer, when it has one.
    public var inputTokensSeen: Int?

    public init(id: RequestID, text: String, generatedTokens: Int, inputTokensSeen: Int? = nil) {
        self.id = id
        self.text = text
        self.generatedTokens = generatedTokens
        self.inputTokensSeen = inputTokensSeen
    }
}
