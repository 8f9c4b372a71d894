/// What a worker produced for one request of a batch.
public struct RequestOutput: Sendable, Hashable, Codable {
    public var id: RequestID
    /// Generated text (a placeholder of the right length from the simulated engine).
    public var text: String
    /// G(p): tokens actually generated, up to and including EOS, or the cap.
    public var generatedTokens: Int
    /// Input tokens counted by the engine's own tokenizer, when it has one.
    public var inputTokensSeen: Int?
    /// Whether the row ended by itself (EOS) rather than at its token limit; nil when the
    /// engine does not say. A row stopped at a batch's generation cap is continued later.
    public var finished: Bool?

    public init(id: RequestID, text: String, generatedTokens: Int, inputTokensSeen: Int? = nil, finished: Bool? = nil) {
        self.id = id
        self.text = text
        self.generatedTokens = generatedTokens
        self.inputTokensSeen = inputTokensSeen
        self.finished = finished
    }
}
