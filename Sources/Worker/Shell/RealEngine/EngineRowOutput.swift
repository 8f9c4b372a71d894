import ServiceSupport
/// One row of the engine's `result` reply.
struct EngineRowOutput: Sendable, Hashable, Decodable {
    /// The request id, echoed back.
    var id: String
    var text: String
    /// Tokens generated up to and including EOS, or the row's limit.
    var generatedTokens: Int
    /// The prompt's tokens as the engine fed them (chat template included when it uses one).
    var inputTokens: Int
    /// `eos` or `length`.
    var finishReason: String

    enum CodingKeys: String, CodingKey {
        case id, text
        case generatedTokens = "generated_tokens"
        case inputTokens = "input_tokens"
        case finishReason = "finish_reason"
    }
}
