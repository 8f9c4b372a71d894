/// The engine's `cb_events` reply (continuous mode, docs/real-engine.md): what happened to
/// its requests since the last poll, in order, and the state of its batch and KV cache.
struct EngineContinuousEvents: Sendable, Hashable, Decodable {
    /// One event: `first_token`, `progress`, `finished` or `failed`, with that kind's fields.
    struct Event: Sendable, Hashable, Decodable {
        var event: String
        var id: String
        /// `first_token`: seconds after its `cb_add`.
        var afterSeconds: Double?
        /// `progress` and `finished`.
        var generatedTokens: Int?
        /// `finished`.
        var text: String?
        var finished: Bool?
        var inputTokensSeen: Int?
        var wallSeconds: Double?
        /// `failed`.
        var code: String?
        var message: String?

        enum CodingKeys: String, CodingKey {
            case event, id, text, finished, code, message
            case afterSeconds = "after_s"
            case generatedTokens = "generated_tokens"
            case inputTokensSeen = "input_tokens_seen"
            case wallSeconds = "wall_seconds"
        }
    }

    var events: [Event]
    var running: Int
    var waiting: Int
    var kvUsedTokens: Int
    var kvCapacityTokens: Int

    enum CodingKeys: String, CodingKey {
        case events, running, waiting
        case kvUsedTokens = "kv_used_tokens"
        case kvCapacityTokens = "kv_capacity_tokens"
    }
}
