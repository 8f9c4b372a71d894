import Shared

/// The coordinator's performance counters and recent-window statistics, as a pure value:
/// events go in with their time, `summary(at:)` gives throughput, latency percentiles and
/// predictor error. Unit-testable without sockets or clocks.
public struct StatusMetrics: Sendable {
    /// Seconds of history that throughput and latency cover.
    public let window: Double
    /// Completions the predictor's mean absolute error averages over.
    public let predictorSamples: Int

    public private(set) var completed = 0
    public private(set) var failed = 0
    public private(set) var oomCount = 0
    public private(set) var splitCount = 0
    public private(set) var requeueCount = 0
    public private(set) var continuationCount = 0
    public private(set) var preemptionCount = 0
    public private(set) var workersLost = 0
    public private(set) var errors: [ErrorCode: Int] = [:]

    /// Completions inside the window, oldest first: (time, response seconds, generated tokens,
    /// seconds to the first token when known).
    private var recent: [(time: Double, response: Double, tokens: Int, firstToken: Double?)] = []
    private var recentStart = 0
    /// |G' − G| of the last `predictorSamples` completions, as a ring.
    private var absoluteErrors: [Double] = []
    private var errorCursor = 0
    private var errorSum = 0.0

    public init(window: Double = 30, predictorSamples: Int = 1000) {
        precondition(window > 0 && predictorSamples > 0)
        self.window = window
        self.predictorSamples = predictorSamples
    }

    // MARK: - Events

    /// A request finished with a result.
    /// - Complexity: amortized O(1).
    public mutating func recordCompletion(
        at time: Double, responseTime: Double, generatedTokens: Int, predictedTokens: Int, firstTokenTime: Double? = nil
    ) {
        completed += 1
        recent.append((time, responseTime, generatedTokens, firstTokenTime))
        let error = Double(abs(predictedTokens - generatedTokens))
        if absoluteErrors.count < predictorSamples {
            absoluteErrors.append(error)
        } else {
            errorSum -= absoluteErrors[errorCursor]
            absoluteErrors[errorCursor] = error
            errorCursor = (errorCursor + 1) % predictorSamples
        }
        errorSum += error
        evict(before: time - window)
    }

    /// An accepted request failed for good.
    public mutating func recordFailure() { failed += 1 }
    /// An error reply went out.
    public mutating func recordError(_ code: ErrorCode) { errors[code, default: 0] += 1 }
    /// A batch ran out of memory and was split into `parts` batches (0 when a lone request failed).
    public mutating func recordOutOfMemory(splitInto parts: Int) {
        oomCount += 1
        if parts > 0 { splitCount += 1 }
    }
    /// A batch went back to the queue.
    public mutating func recordRequeue() { requeueCount += 1 }
    /// A request reached its batch's generation cap and went back to the queue to continue.
    public mutating func recordContinuation() { continuationCount += 1 }
    /// A continuous worker preempted a request, which went back to the queue.
    public mutating func recordPreemption() { preemptionCount += 1 }
    /// A worker was declared lost.
    public mutating func recordWorkerLost() { workersLost += 1 }

    // MARK: - Summary

    /// Window statistics at `time`.
    public struct Summary: Sendable, Hashable {
        /// Results per second.
        public var throughput: Double
        /// Generated tokens per second.
        public var tokenThroughput: Double
        /// Response-time percentiles in milliseconds.
        public var latency: LatencySummary
        /// Time-to-first-token percentiles in milliseconds, of the completions whose worker
        /// said when their first token came.
        public var firstTokenLatency: LatencySummary
        /// Mean |G' − G| in tokens over the most recent completions.
        public var predictorMAE: Double
        public var predictorSamples: Int
    }

    /// Throughput over the window ending at `time` (over the elapsed time while `time` is still
    /// shorter than the window), latency percentiles over the same completions, predictor MAE.
    /// - Complexity: O(n log n) in the completions inside the window.
    public mutating func summary(at time: Double) -> Summary {
        evict(before: time - window)
        let inWindow = recent[recentStart...]
        let span = max(1e-9, min(window, time))
        let responses = inWindow.map { $0.response * 1000 }.sorted()
        let firstTokens = inWindow.compactMap { $0.firstToken.map { $0 * 1000 } }.sorted()
        return Summary(
            throughput: Double(inWindow.count) / span,
            tokenThroughput: Double(inWindow.reduce(0) { $0 + $1.tokens }) / span,
            latency: LatencySummary(
                p50: Self.percentile(responses, 0.50), p95: Self.percentile(responses, 0.95),
                p99: Self.percentile(responses, 0.99), samples: responses.count),
            firstTokenLatency: LatencySummary(
                p50: Self.percentile(firstTokens, 0.50), p95: Self.percentile(firstTokens, 0.95),
                p99: Self.percentile(firstTokens, 0.99), samples: firstTokens.count),
            predictorMAE: absoluteErrors.isEmpty ? 0 : errorSum / Double(absoluteErrors.count),
            predictorSamples: absoluteErrors.count)
    }

    /// Error counts keyed by code string, for the wire.
    public var errorCounts: [String: Int] {
        Dictionary(uniqueKeysWithValues: errors.map { ($0.key.rawValue, $0.value) })
    }

    /// The nearest-rank percentile of sorted values; 0 for none.
    /// - Complexity: O(1).
    public static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    private mutating func evict(before cutoff: Double) {
        while recentStart < recent.count && recent[recentStart].time <= cutoff { recentStart += 1 }
        // Compact once the dead prefix dominates, keeping appends amortized O(1).
        if recentStart > 1024 && recentStart * 2 > recent.count {
            recent.removeFirst(recentStart)
            recentStart = 0
        }
    }
}
