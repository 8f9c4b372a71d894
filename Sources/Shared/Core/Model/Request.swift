/// Seconds on whatever clock drives the core: virtual time in the simulator, time since
/// start in the real-time services. The core never reads a clock itself.
public typealias Seconds = Double

/// One generation request as the scheduler sees it: an application's instruction plus the
/// user's input, with its length in tokens.
public struct Request: Sendable, Hashable, Codable {
    /// Client-chosen identifier.
    public var id: RequestID
    /// The application (task) the request comes from, e.g. `mt_en_zh`.
    public var application: String
    /// The instruction the application prepends, e.g. "Translate into Chinese:".
    public var instruction: String
    /// The user's input text.
    public var input: String
    /// L(p): tokens of instruction plus input, as given by the client or counted.
    public var inputTokens: Int
    /// Upper bound on generated tokens (the engine stops there).
    public var maxNewTokens: Int
    /// When the request reached the coordinator.
    public var arrival: Seconds
    /// Optional absolute deadline on the same clock as `arrival`.
    public var deadline: Seconds?
    /// The true generation length, known only to simulations (reference output) and the
    /// oracle policy; never used by the real predictor.
    public var referenceOutputTokens: Int?

    public init(
        id: RequestID, application: String, instruction: String, input: String,
        inputTokens: Int, maxNewTokens: Int, arrival: Seconds, deadline: Seconds? = nil,
        referenceOutputTokens: Int? = nil
    ) {
        self.id = id
        self.application = application
        self.instruction = instruction
        self.input = input
        self.inputTokens = inputTokens
        self.maxNewTokens = maxNewTokens
        self.arrival = arrival
        self.deadline = deadline
        self.referenceOutputTokens = referenceOutputTokens
    }
}
