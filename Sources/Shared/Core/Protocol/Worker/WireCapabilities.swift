/// `WorkerCapabilities` as it travels in `hello`, with snake_case fields.
public struct WireCapabilities: Codable, Sendable, Hashable {
    public var gpu: String
    public var model: String
    public var memoryBytes: Int
    public var kvBudgetBytes: Int
    public var kvBytesPerToken: Int
    public var maxBatchSize: Int
    public var engine: String
    /// Absent from engines that do not model their prefill's memory.
    public var prefill: PrefillMemory?
    /// True when the worker's engine resumes continuations; absent (false) from older workers,
    /// which then never get capped batches.
    public var continuation: Bool?
    /// Present from a worker that batches at the iteration level.
    public var continuous: ContinuousCapacity?

    public init(_ capabilities: WorkerCapabilities) {
        gpu = capabilities.gpu
        model = capabilities.model
        memoryBytes = capabilities.memoryBytes
        kvBudgetBytes = capabilities.kvBudgetBytes
        kvBytesPerToken = capabilities.kvBytesPerToken
        maxBatchSize = capabilities.maxBatchSize
        engine = capabilities.engine
        prefill = capabilities.prefill
        continuation = capabilities.continuation
        continuous = capabilities.continuous
    }

    /// The model value.
    public var capabilities: WorkerCapabilities {
        WorkerCapabilities(
            gpu: gpu, model: model, memoryBytes: memoryBytes, kvBudgetBytes: kvBudgetBytes,
            kvBytesPerToken: kvBytesPerToken, maxBatchSize: maxBatchSize, engine: engine, prefill: prefill,
            continuation: continuation ?? false, continuous: continuous)
    }

    enum CodingKeys: String, CodingKey {
        case gpu, model, engine, prefill, continuation, continuous
        case memoryBytes = "memory_bytes"
        case kvBudgetBytes = "kv_budget_bytes"
        case kvBytesPerToken = "kv_bytes_per_token"
        case maxBatchSize = "max_batch_size"
    }
}
