import ServiceSupport
/// The engine's `hello` reply: what it runs and the memory figures the worker announces to
/// the coordinator (docs/real-engine.md lists every field).
public struct EngineHello: Sendable, Hashable, Decodable {
    /// Always `transformers` for magnus_engine.
    public var engine: String
    public var engineVersion: String
    /// Display name, e.g. `SmolLM2-135M-Instruct`.
    public var model: String
    /// `cpu` or `cuda`.
    public var device: String
    /// The CUDA device's name, or `cpu`.
    public var gpu: String
    public var dtype: String
    public var layers: Int
    public var kvHeads: Int
    public var headDim: Int
    public var bytesPerValue: Int
    /// Δ: KV bytes per token over all layers.
    public var kvBytesPerToken: Int
    /// Total device memory (host RAM on CPU).
    public var memoryBytes: Int
    /// Θ: the KV budget each batch is checked against; 0 = unlimited.
    public var kvBudgetBytes: Int
    public var maxNewTokensCap: Int
    /// 0 = no limit.
    public var maxBatchSize: Int
    public var maxContextTokens: Int
    /// Whether prompts are wrapped in the model's chat template (their token counts include it).
    public var chatTemplate: Bool
    /// Whether rows may carry a `continuation` (engines before bounded decoding omit it).
    public var continuation: Bool?
    /// Set by an engine started with `--continuous`: its paged cache and limits.
    public var continuous: Continuous?

    /// The continuous mode's figures (docs/real-engine.md, "Continuous mode").
    public struct Continuous: Sendable, Hashable, Decodable {
        public var kvCapacityTokens: Int
        public var blockSize: Int
        public var maxRunning: Int

        enum CodingKeys: String, CodingKey {
            case kvCapacityTokens = "kv_capacity_tokens"
            case blockSize = "block_size"
            case maxRunning = "max_running"
        }
    }

    enum CodingKeys: String, CodingKey {
        case engine, model, device, gpu, dtype, layers, continuation, continuous
        case engineVersion = "engine_version"
        case kvHeads = "kv_heads"
        case headDim = "head_dim"
        case bytesPerValue = "bytes_per_value"
        case kvBytesPerToken = "kv_bytes_per_token"
        case memoryBytes = "memory_bytes"
        case kvBudgetBytes = "kv_budget_bytes"
        case maxNewTokensCap = "max_new_tokens_cap"
        case maxBatchSize = "max_batch_size"
        case maxContextTokens = "max_context_tokens"
        case chatTemplate = "chat_template"
    }
}
