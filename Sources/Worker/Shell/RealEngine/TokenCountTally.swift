import ServiceSupport
/// How the coordinator's input lengths L(p) (its heuristic counter, on instruction + input)
/// compare with the tokens the engine's tokenizer saw (chat template included, which is what
/// the KV cache really holds), over the requests a worker ran.
public struct TokenCountTally: Sendable, Hashable {
    /// Requests compared.
    public private(set) var requests = 0
    /// Σ |coordinator − engine| / engine.
    public private(set) var absoluteRelativeErrorSum = 0.0
    /// Σ (coordinator − engine) / engine.
    public private(set) var relativeErrorSum = 0.0
    public private(set) var coordinatorTokens = 0
    public private(set) var engineTokens = 0

    public init() {}

    /// Adds one request.
    public mutating func add(coordinator: Int, engine: Int) {
        guard engine > 0 else { return }
        let error = Double(coordinator - engine) / Double(engine)
        requests += 1
        absoluteRelativeErrorSum += abs(error)
        relativeErrorSum += error
        coordinatorTokens += coordinator
        engineTokens += engine
    }

    /// Mean absolute percentage error of the coordinator's counts.
    public var meanAbsolutePercentError: Double { requests > 0 ? 100 * absoluteRelativeErrorSum / Double(requests) : 0 }

    /// Mean signed percentage error (negative: the coordinator counts fewer tokens).
    public var meanPercentBias: Double { requests > 0 ? 100 * relativeErrorSum / Double(requests) : 0 }

    /// One line for the log.
    public var summary: String {
        guard requests > 0 else { return "no requests compared" }
        let mape = (meanAbsolutePercentError * 10).rounded() / 10
        let bias = (meanPercentBias * 10).rounded() / 10
        return
            "\(requests) requests: coordinator \(coordinatorTokens) vs engine \(engineTokens) input tokens, mean abs error \(mape) %, bias \(bias) %"
    }
}
