/// One request of a `batch` as a worker receives it: what its engine needs, nothing more.
public struct WireBatchItem: Codable, Sendable, Hashable {
    public var id: RequestID
    /// Instruction and input as the model should see them.
    public var prompt: String
    /// L(p) as the coordinator counted it.
    public var inputTokens: Int
    /// The engine stops the row after this many tokens.
    public var maxNewTokens: Int
    /// Simulation hint passed through from `submit` (tokens still to generate).
    public var simulatedOutputTokens: Int?
    /// Text the model already generated for this request in earlier, capped batches: the
    /// engine feeds it after the prompt (after the assistant turn's start when it uses a chat
    /// template) and generates what follows. `inputTokens` includes it.
    public var continuation: String?

    public init(
        id: RequestID, prompt: String, inputTokens: Int, maxNewTokens: Int, simulatedOutputTokens: Int? = nil,
        continuation: String? = nil
    ) {
        self.id = id
        self.prompt = prompt
        self.inputTokens = inputTokens
        self.maxNewTokens = maxNewTokens
        self.simulatedOutputTokens = simulatedOutputTokens
        self.continuation = continuation
    }

    enum CodingKeys: String, CodingKey {
        case id, prompt
        case inputTokens = "input_tokens"
        case maxNewTokens = "max_new_tokens"
        case simulatedOutputTokens = "sim_output_tokens"
        case continuation
    }
}
