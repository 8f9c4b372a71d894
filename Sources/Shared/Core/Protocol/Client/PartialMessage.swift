/// `partial` (coordinator → client): new text of a running request, for a client that asked
/// for it (`stream: true` on its submit). Sent as a continuous worker reports progress; never
/// final: the `result` that ends the request carries the whole text again. `offset` is the
/// length in UTF-8 bytes of the text sent before this piece, so a client that missed a piece
/// (the coordinator drops and counts a partial it cannot send at once) notices the gap and
/// waits for the result instead of joining text with a hole in it.
public struct PartialMessage: WireMessage {
    public static let type = "partial"

    public var id: RequestID
    /// Text generated since the previous piece.
    public var text: String
    /// UTF-8 bytes of the request's text before `text`.
    public var offset: Int
    /// Tokens generated so far, this piece included.
    public var generatedTokens: Int
    /// The coordinator incarnation that sent this reply (docs/protocol.md).
    public var incarnation: String?

    public init(id: RequestID, text: String, offset: Int, generatedTokens: Int) {
        self.id = id
        self.text = text
        self.offset = offset
        self.generatedTokens = generatedTokens
    }

    enum CodingKeys: String, CodingKey {
        case id, text, offset, incarnation
        case generatedTokens = "generated_tokens"
    }
}
