/// `ready` (worker → coordinator): the worker pulls work. A static worker sends it when idle;
/// the coordinator answers with one `batch` when a fitting one is queued, at once or later;
/// never unasked. A continuous worker sends it whenever its room changes, with `room`: the
/// coordinator answers with zero or more single-request `batch` messages (admissions) that
/// fit that room, at once or later, until the next `ready` replaces it.
public struct ReadyMessage: WireMessage {
    public static let type = "ready"

    /// Free KV token slots (continuous workers only).
    public var freeTokens: Int?
    /// Sequences it can still take (continuous workers only).
    public var freeSequences: Int?

    public init() {}

    /// A continuous worker's `ready` with its room.
    public init(room: ContinuousRoom) {
        freeTokens = room.freeTokens
        freeSequences = room.freeSequences
    }

    /// The room stated, when both fields are present.
    public var room: ContinuousRoom? {
        guard let freeTokens, let freeSequences else { return nil }
        return ContinuousRoom(freeTokens: freeTokens, freeSequences: freeSequences)
    }

    enum CodingKeys: String, CodingKey {
        case freeTokens = "free_tokens"
        case freeSequences = "free_sequences"
    }
}
