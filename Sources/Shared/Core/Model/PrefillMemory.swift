/// The memory a batch's prefill needs beyond its KV cache: the prompt's activations (logits
/// of every position, MLP intermediates) grow with β · L and the attention scores with β · L².
/// A batch whose KV cache fits can still run out of memory at step 0; a worker that announces
/// this model lets the scheduler check that too.
public struct PrefillMemory: Sendable, Hashable, Codable {
    /// Device memory left for the KV cache and the prefill's activations: memory − weights −
    /// fixed reserve.
    public var budgetBytes: Int
    /// Bytes per prompt token of every row at the prefill: its KV entry plus activations.
    public var bytesPerToken: Int
    /// Bytes per (query, key) pair of one row: the attention scores held at once.
    public var bytesPerTokenPair: Int

    public init(budgetBytes: Int, bytesPerToken: Int, bytesPerTokenPair: Int) {
        self.budgetBytes = budgetBytes
        self.bytesPerToken = bytesPerToken
        self.bytesPerTokenPair = bytesPerTokenPair
    }

    /// Bytes the prefill of β rows padded to L tokens needs: β L b_tok + β L² b_pair.
    public func requiredBytes(batchSize: Int, paddedInput: Int) -> Double {
        let beta = Double(max(0, batchSize))
        let input = Double(max(0, paddedInput))
        return beta * input * Double(bytesPerToken) + beta * input * input * Double(bytesPerTokenPair)
    }

    /// Whether that fits the budget.
    public func fits(batchSize: Int, paddedInput: Int) -> Bool {
        requiredBytes(batchSize: batchSize, paddedInput: paddedInput) <= Double(budgetBytes)
    }

    enum CodingKeys: String, CodingKey {
        case budgetBytes = "budget_bytes"
        case bytesPerToken = "bytes_per_token"
        case bytesPerTokenPair = "bytes_per_token_pair"
    }
}
