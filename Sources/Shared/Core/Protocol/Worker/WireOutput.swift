/// `RequestOutput` as it travels in a worker's `result`, with snake_case fields.
public struct WireOutput: Codable, Sendable, Hashable {
    public var id: RequestID
    public var text: String
    public var generatedTokens: Int
    public var inputTokensSeen: Int?
    /// True when the row ended with EOS, false when it stopped at its token limit; absent
    /// from workers that do not say (then a row that reached its limit counts as unfinished).
    public var finished: Bool?

    public init(_ output: RequestOutput) {
        id = output.id
        text = output.text
        generatedTokens = output.generatedTokens
        inputTokensSeen = output.inputTokensSeen
        finished = output.finished
    }

    /// The model value.
    public var output: RequestOutput {
        RequestOutput(id: id, text: text, generatedTokens: generatedTokens, inputTokensSeen: inputTokensSeen, finished: finished)
    }

    enum CodingKeys: String, CodingKey {
        case id, text
        case generatedTokens = "generated_tokens"
        case inputTokensSeen = "input_tokens_seen"
        case finished
    }
}
