/// `result` (coordinator → client): the request's output. A final answer.
public struct ResultMessage: WireMessage {
    public static let type = "result"

    public var id: RequestID
    /// The generated text.
    public var text: String
    /// G(p): tokens generated.
    public var generatedTokens: Int
    /// L(p) as scheduled.
    public var inputTokens: Int
    /// G'(p) the scheduler planned with.
    public var predictedTokens: Int
    /// The worker that ran it.
    public var worker: WorkerID
    /// The batch it ran in.
    public var batchID: BatchID
    /// Milliseconds from arrival to dispatch of its (last) batch.
    public var queueMilliseconds: Double
    /// Milliseconds from arrival to this result.
    public var responseMilliseconds: Double
    /// Milliseconds from arrival to its first generated token, when the worker said (for a
    /// static batch: the end of the batch's prefill, although the text comes with the result).
    public var firstTokenMilliseconds: Double?
    /// The coordinator incarnation that sent this reply: random per coordinator start, so a
    /// change tells a client the coordinator restarted (absent from older coordinators).
    public var incarnation: String?

    public init(
        id: RequestID, text: String, generatedTokens: Int, inputTokens: Int, predictedTokens: Int, worker: WorkerID,
        batchID: BatchID, queueMilliseconds: Double, responseMilliseconds: Double, firstTokenMilliseconds: Double? = nil
    ) {
        self.firstTokenMilliseconds = firstTokenMilliseconds
        self.id = id
        self.text = text
        self.generatedTokens = generatedTokens
        self.inputTokens = inputTokens
        self.predictedTokens = predictedTokens
        self.worker = worker
        self.batchID = batchID
        self.queueMilliseconds = queueMilliseconds
        self.responseMilliseconds = responseMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case id, text, worker, incarnation
        case generatedTokens = "generated_tokens"
        case inputTokens = "input_tokens"
        case predictedTokens = "predicted_tokens"
        case batchID = "batch_id"
        case queueMilliseconds = "queue_ms"
        case responseMilliseconds = "response_ms"
        case firstTokenMilliseconds = "first_token_ms"
    }
}
