/// `ready` (worker → coordinator): the worker is idle and pulls work. The coordinator answers
/// with one `batch` when a fitting one is queued, at once or later; never unasked.
public struct ReadyMessage: WireMessage {
    public static let type = "ready"
    public init() {}
}
