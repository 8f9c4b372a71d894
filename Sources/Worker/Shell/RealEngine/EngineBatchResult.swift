import ServiceSupport
/// The engine's `result` reply to a completed `run`: outputs in batch order and the batch's
/// shape as the engine saw it.
struct EngineBatchResult: Sendable, Hashable, Decodable {
    var batchID: Int
    var outputs: [EngineRowOutput]
    /// The engine's own timing of the batch (tokenising to decoded text).
    var wallSeconds: Double
    /// L(B): the longest prompt, in the model's tokens.
    var paddedInputTokens: Int
    /// G(B): the longest row's generated tokens.
    var generatedMax: Int

    enum CodingKeys: String, CodingKey {
        case outputs
        case batchID = "batch_id"
        case wallSeconds = "wall_seconds"
        case paddedInputTokens = "padded_input_tokens"
        case generatedMax = "generated_max"
    }
}
