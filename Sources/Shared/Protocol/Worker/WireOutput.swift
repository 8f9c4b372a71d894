/// `RequestOutput` as it travels in a worker's `result`, with snake_case fields.
public struct WireOutput: Codable, Sendable, Hashable {
    public var id: RequestID
    public var text: String
    public var generatedTokens: Int
    public var inputTokensSeen: Int?

    public init(_ output: RequestOutput) {
        id = output.id
        text = output.text
        generatedTokens = output.generatedTokens
        inputTokensSeen = output.inputTokensSeen
    }

    /// The model value.
    public var output: RequestOutput {
        RequestOutput(id: id, text: text, generatedTokens: generatedTokens, inputTokensSeen: inputTokensSeen)
    }

    enum CodingKeys: String, CodingKey {
        case id, text
        case generatedTokens = "generated_tokens"
        case inputTokensSeen = "input_tokens_seen"
    }
}
