/// What a worker that batches at the iteration level (rows join and leave between decoding
/// steps) announces in `hello`: its paged KV cache and how many sequences it runs at once.
/// A worker with this announces `continuous` mode: it is admitted single requests whenever it
/// has room instead of whole batches when idle (docs/protocol.md, "Continuous workers").
public struct ContinuousCapacity: Sendable, Hashable, Codable {
    /// KV-cache token slots of the paged cache (blocks × block size).
    public var kvTokenSlots: Int
    /// Tokens per KV block: a sequence holds ⌈(L + g) / blockSize⌉ blocks.
    public var blockSize: Int
    /// Most sequences the engine runs in one step.
    public var maxRunning: Int

    public init(kvTokenSlots: Int, blockSize: Int, maxRunning: Int) {
        self.kvTokenSlots = kvTokenSlots
        self.blockSize = blockSize
        self.maxRunning = maxRunning
    }

    enum CodingKeys: String, CodingKey {
        case kvTokenSlots = "kv_token_slots"
        case blockSize = "block_size"
        case maxRunning = "max_running"
    }
}

/// Room a continuous worker reports in `ready`: the coordinator may admit requests up to it
/// (each admission uses one sequence and its prompt's tokens) until the next `ready`.
public struct ContinuousRoom: Sendable, Hashable, Codable {
    /// KV token slots not held by running or locally waiting sequences.
    public var freeTokens: Int
    /// Sequences the worker can still take.
    public var freeSequences: Int

    public init(freeTokens: Int, freeSequences: Int) {
        self.freeTokens = freeTokens
        self.freeSequences = freeSequences
    }
}
