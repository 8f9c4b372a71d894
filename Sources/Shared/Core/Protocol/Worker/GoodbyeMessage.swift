/// `goodbye` (worker → coordinator): the worker leaves cleanly. A batch it still held is
/// requeued at once.
public struct GoodbyeMessage: WireMessage {
    public static let type = "goodbye"

    /// Why, for the logs.
    public var reason: String?

    public init(reason: String? = nil) { self.reason = reason }
}
