/// `accepted` (coordinator → client): the request is queued (sent again for an idempotent
/// resubmission while it is pending).
public struct AcceptedMessage: WireMessage {
    public static let type = "accepted"

    public var id: RequestID
    /// G'(p): the predicted generation length in tokens.
    public var predictedTokens: Int
    /// L(p) as the coordinator uses it (given or counted).
    public var inputTokens: Int
    /// Requests queued in batches created before this request's batch, plus one; 0 when the
    /// request is already running. A rough position: HRRN may serve batches out of order.
    public var queuePosition: Int
    /// Requests waiting in the queue, this one included.
    public var queueDepth: Int
    /// The coordinator incarnation that sent this reply: random per coordinator start, so a
    /// change tells a client the coordinator restarted (absent from older coordinators).
    public var incarnation: String?

    public init(id: RequestID, predictedTokens: Int, inputTokens: Int, queuePosition: Int, queueDepth: Int) {
        self.id = id
        self.predictedTokens = predictedTokens
        self.inputTokens = inputTokens
        self.queuePosition = queuePosition
        self.queueDepth = queueDepth
    }

    enum CodingKeys: String, CodingKey {
        case id, incarnation
        case predictedTokens = "predicted_tokens"
        case inputTokens = "input_tokens"
        case queuePosition = "queue_position"
        case queueDepth = "queue_depth"
    }
}
