/// `progress` (continuous worker → coordinator): tokens generated so far by running
/// admissions, sent at a modest interval (not every step); the coordinator re-predicts what
/// each still has to generate and adjusts what it holds in reserve for it.
public struct ProgressMessage: WireMessage {
    public static let type = "progress"

    /// One running admission's progress.
    public struct Row: Codable, Sendable, Hashable {
        public var batchID: BatchID
        public var generatedTokens: Int

        public init(batchID: BatchID, generatedTokens: Int) {
            self.batchID = batchID
            self.generatedTokens = generatedTokens
        }

        enum CodingKeys: String, CodingKey {
            case batchID = "batch_id"
            case generatedTokens = "generated_tokens"
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }
}
