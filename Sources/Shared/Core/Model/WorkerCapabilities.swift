/// What a worker (one GPU running one model) tells the coordinator when it says hello:
/// enough for the memory check MEM(B) = β (L(B) + G(B)) Δ ≤ Θ against *its* budget.
public struct WorkerCapabilities: Sendable, Hashable, Codable {
    /// GPU name, e.g. `V100-32GB`.
    public var gpu: String
    /// Model name, e.g. `ChatGLM-6B`.
    public var model: String
    /// Total device memory in bytes.
    public var memoryBytes: Int
    /// Θ: bytes available for the KV cache once weights and workspace are loaded.
    public var kvBudgetBytes: Int
    /// Δ: KV-cache bytes per token (keys and values, all layers).
    public var kvBytesPerToken: Int
    /// Largest batch the engine accepts (0 = no limit).
    public var maxBatchSize: Int
    /// `simulated` or `transformers` (the real engine).
    public var engine: String
    /// The prefill's memory beyond the KV cache, when the engine knows it.
    public var prefill: PrefillMemory?
    /// Whether the engine resumes a row from a `continuation` and says whether a row
    /// finished; only such workers get capped batches (bounded decoding).
    public var continuation: Bool
    /// Set by a worker that batches at the iteration level: it is admitted requests one by
    /// one while it has room, instead of batches when idle.
    public var continuous: ContinuousCapacity?

    public init(
        gpu: String, model: String, memoryBytes: Int, kvBudgetBytes: Int, kvBytesPerToken: Int,
        maxBatchSize: Int = 0, engine: String = "simulated", prefill: PrefillMemory? = nil, continuation: Bool = false,
        continuous: ContinuousCapacity? = nil
    ) {
        self.continuous = continuous
        self.continuation = continuation
        self.prefill = prefill
        self.gpu = gpu
        self.model = model
        self.memoryBytes = memoryBytes
        self.kvBudgetBytes = kvBudgetBytes
        self.kvBytesPerToken = kvBytesPerToken
        self.maxBatchSize = maxBatchSize
        self.engine = engine
    }

    /// Θ / Δ: how many token slots (β · (L + G) summed) the KV cache holds.
    public var kvTokenCapacity: Int { kvBytesPerToken > 0 ? kvBudgetBytes / kvBytesPerToken : 0 }
}
