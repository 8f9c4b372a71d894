/// One request of a `batch` as a worker receives it: what its engine needs, nothing more.
public struct WireBatchItem: Codable, Sendable, Hashable {
    public var id: RequestID
    /// Instruction and input as the model should see them.
    public var prompt: String
    /// L(p) as the coordinator counted it.
    public var inputTokens: Int
    /// The engine stops the row after this many tokens.
    public var maxNewTokens: Int
    /// Simulation hint passed through from `submit`.
    public var simulatedOutputTokens: Int?

    public init(id: RequestID, prompt: String, inputTokens: Int, maxNewTokens: Int, simulatedOutputTokens: Int? = nil) {
        self.id = id
        self.prompt = prompt
        self.inputTokens = inputTokens
        self.maxNewTokens = maxNewTokens
        self.simulatedOutputTokens = simulatedOutputTokens
    }

    enum CodingKeys: String, CodingKey {
        case id, prompt
        case inputTokens = "input_tokens"
        case maxNewTokens = "max_new_tokens"
        case simulatedOutputTokens = "sim_output_tokens"
    }
}
