import Shared
import Transport

/// Replays requests against a coordinator at their scheduled offsets (seconds from the
/// start), keeping every reply, and reports what a client saw: accepted, answered once,
/// refused with which code, duplicated, lost.
public struct PacedLoad {
    /// One request and when to send it.
    public struct Item: Sendable {
        public var at: Double
        public var submit: SubmitMessage
        public init(at: Double, submit: SubmitMessage) {
            self.at = at
            self.submit = submit
        }
    }

    /// What the run saw.
    public struct Outcome: Sendable {
        public var submitted = 0
        public var accepted = 0
        public var answered = 0
        public var refused: [String: Int] = [:]
        public var duplicated = 0
        public var lost = 0
        public var seconds = 0.0
        /// Client-side response times of answered requests (seconds, submit to result).
        public var responseTimes: [Double] = []
        public var generatedTokens = 0
        public var predictionErrors: [Double] = []
    }

    public let client: MagnusClient
    public let items: [Item]

    public init(client: MagnusClient, items: [Item]) {
        self.client = client
        self.items = items.sorted { $0.at < $1.at }
    }

    /// Sends every item on time and waits up to `drainTimeout` seconds after the last for
    /// the remaining answers.
    /// - Parameter progress: called about twice a second with the outcome so far.
    public func run(drainTimeout: Double, progress: (Outcome) -> Void = { _ in }) throws -> Outcome {
        let clock = MonotonicClock()
        var outcome = Outcome()
        var sentAt: [RequestID: Double] = [:]
        var final: Set<RequestID> = []
        var next = 0
        var lastProgress = 0.0
        var deadline = Double.infinity
        while true {
            let now = clock.now
            while next < items.count && items[next].at <= now {
                try client.submit(items[next].submit)
                sentAt[items[next].submit.id] = clock.now
                outcome.submitted += 1
                next += 1
            }
            if next == items.count && deadline == .infinity { deadline = clock.now + drainTimeout }
            if final.count == items.count || clock.now > deadline { break }
            let wait = next < items.count ? max(0, min(0.05, items[next].at - clock.now)) : 0.1
            if let reply = try client.receive(timeout: wait) {
                switch reply {
                case .accepted: outcome.accepted += 1
                case .result(let result):
                    if final.contains(result.id) {
                        outcome.duplicated += 1
                    } else {
                        final.insert(result.id)
                        outcome.answered += 1
                        outcome.responseTimes.append(clock.now - (sentAt[result.id] ?? clock.now))
                        outcome.generatedTokens += result.generatedTokens
                        outcome.predictionErrors.append(Double(abs(result.predictedTokens - result.generatedTokens)))
                    }
                case .error(let error):
                    outcome.refused[error.code.rawValue, default: 0] += 1
                    if let id = error.id {
                        if final.contains(id) { outcome.duplicated += 1 } else { final.insert(id) }
                    }
                case .cancelled(let cancelled):
                    final.insert(cancelled.id)
                case .pong: break
                }
            }
            if clock.now - lastProgress >= 0.5 {
                lastProgress = clock.now
                outcome.seconds = clock.now
                progress(outcome)
            }
        }
        outcome.lost = items.count - final.count
        outcome.seconds = clock.now
        return outcome
    }
}
