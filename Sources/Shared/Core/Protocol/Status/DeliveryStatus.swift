/// What became of client replies the coordinator could not send at once (the client was not
/// reading and its queue was full, or it was not connected): held in a bounded outbound queue
/// per client and sent later, or given up on. Counts since the coordinator started, except
/// `held`. A final answer given up on stays retrievable by resubmitting its id (same
/// content): the coordinator answers it from its stored answers.
public struct DeliveryStatus: Codable, Sendable, Hashable {
    /// Replies waiting in outbound queues now.
    public var held: Int
    /// Replies that could not be sent at once (held, or dropped when not worth holding).
    public var deferred: Int
    /// Held replies sent later.
    public var redelivered: Int
    /// Replies given up on: not final (an `accepted`, a `pong`...), a full queue, or held too long.
    public var dropped: Int
    /// Of `dropped`, final answers (retrievable by resubmitting the id).
    public var droppedAnswers: Int

    public init(held: Int = 0, deferred: Int = 0, redelivered: Int = 0, dropped: Int = 0, droppedAnswers: Int = 0) {
        self.held = held
        self.deferred = deferred
        self.redelivered = redelivered
        self.dropped = dropped
        self.droppedAnswers = droppedAnswers
    }

    /// Whether nothing was ever deferred.
    public var isEmpty: Bool { deferred == 0 && held == 0 }

    enum CodingKeys: String, CodingKey {
        case held, deferred, redelivered, dropped
        case droppedAnswers = "dropped_answers"
    }
}
