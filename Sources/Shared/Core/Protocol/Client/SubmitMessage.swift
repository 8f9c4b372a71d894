/// `submit` (client → coordinator): one generation request. Resubmitting the same `id` is
/// idempotent: while pending it is acknowledged again, once finished its stored answer is
/// sent again; the same id with different content is refused with `duplicate_id`.
public struct SubmitMessage: WireMessage {
    public static let type = "submit"

    /// Client-chosen request id (1...256 UTF-8 bytes), unique per request.
    public var id: RequestID
    /// The application (task) the request belongs to, e.g. `mt_en_zh`.
    public var application: String
    /// The application's instruction, prepended to the input.
    public var instruction: String
    /// The user's input.
    public var input: String
    /// L(p) in tokens, instruction plus input; counted by the coordinator when absent.
    public var inputTokens: Int?
    /// Cap on generated tokens; the coordinator's default when absent.
    public var maxNewTokens: Int?
    /// Milliseconds from arrival after which a still-queued request is answered
    /// `deadline_exceeded` instead of run.
    public var deadlineMilliseconds: Int?
    /// Simulation hint: the generation length a simulated engine should produce (e.g. the
    /// reference output's token count). Real engines ignore it, and it never feeds the predictor.
    public var simulatedOutputTokens: Int?
    /// Whether the client wants `partial` replies with the text as it is generated (continuous
    /// workers report it as they go; on static workers the text comes whole with the result).
    /// Not part of the request's content: a resubmission may ask differently.
    public var stream: Bool?

    public init(
        id: RequestID, application: String, instruction: String, input: String, inputTokens: Int? = nil,
        maxNewTokens: Int? = nil, deadlineMilliseconds: Int? = nil, simulatedOutputTokens: Int? = nil, stream: Bool? = nil
    ) {
        self.stream = stream
        self.id = id
        self.application = application
        self.instruction = instruction
        self.input = input
        self.inputTokens = inputTokens
        self.maxNewTokens = maxNewTokens
        self.deadlineMilliseconds = deadlineMilliseconds
        self.simulatedOutputTokens = simulatedOutputTokens
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, application, instruction, input, stream
        case inputTokens = "input_tokens"
        case maxNewTokens = "max_new_tokens"
        case deadlineMilliseconds = "deadline_ms"
        case simulatedOutputTokens = "sim_output_tokens"
    }
}
