/// `progress` (continuous worker → coordinator): tokens (and optionally the text) generated so
/// far by running admissions, sent at a modest interval (not every step); the coordinator
/// re-predicts what each still has to generate, adjusts what it holds in reserve for it, and
/// streams the new text to clients that asked for it.
public struct ProgressMessage: WireMessage {
    public static let type = "progress"

    /// One running admission's progress.
    public struct Row: Codable, Sendable, Hashable {
        public var batchID: BatchID
        public var generatedTokens: Int
        /// The admission's text so far (optional): the coordinator streams it to clients that
        /// asked (`partial`). Engines hold back a multi-byte character cut at the end.
        public var text: String?

        public init(batchID: BatchID, generatedTokens: Int, text: String? = nil) {
            self.batchID = batchID
            self.generatedTokens = generatedTokens
            self.text = text
        }

        enum CodingKeys: String, CodingKey {
            case text
            case batchID = "batch_id"
            case generatedTokens = "generated_tokens"
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }
}
