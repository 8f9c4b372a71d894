import Coordinator
import Shared

/// What one simulated run measured, per policy.
public struct SimulationMetrics: Sendable, Hashable {
    public var policy: String
    /// Offered request rate (requests/s); 0 for trace replay at its own pace.
    public var offeredRate: Double
    public var submitted: Int
    public var completed: Int
    public var failed: Int
    public var rejected: Int
    /// Seconds from the first arrival to the last completion.
    public var makespan: Double
    /// Completed requests per second over the makespan.
    public var requestThroughput: Double
    /// Requests completed while requests were still arriving, per second of that window:
    /// the steady-state rate, insensitive to the drain at the end.
    public var sustainedThroughput: Double
    public var meanResponse: Double
    public var p50Response: Double
    public var p95Response: Double
    public var p99Response: Double
    /// Generated tokens of completed requests per second (each request's own G(p)).
    public var validTokenThroughput: Double
    /// Generated token slots per second, counting every row of a batch for G(B) steps
    /// (finished and padded rows included): what the GPU actually decoded.
    public var totalTokenThroughput: Double
    public var oomEvents: Int
    /// OOM events at the prefill (step 0): the memory check covers the KV cache only.
    public var prefillOOMEvents: Int
    public var splits: Int
    /// Requests stopped at a batch's generation cap and continued later (bounded decoding).
    public var continuations: Int
    /// Σ over batches of WMA with actual lengths (token reads wasted on padding and waiting).
    public var wastedMemoryAccess: Double
    /// Busy time over workers × makespan.
    public var busyFraction: Double
    public var batches: Int
    public var meanBatchSize: Double
    /// Per application, the share of completed requests whose length was within the upper
    /// bound predicted when they were submitted (`LengthPrediction.modelUpper`).
    public var upperBoundCoverage: [String: Double] = [:]
    /// Batches requeued unchanged after a lost worker or an engine fault.
    public var requeues = 0
    /// Error replies by code (`deadline_exceeded`, `shutting_down`, `input_too_long`, ...),
    /// refusals at submit and final failures alike.
    public var errorCounts: [String: Int] = [:]
    /// Mean seconds from arrival to the first generated token (for static batches: the end
    /// of the batch's prefill, although the client sees nothing before the batch ends).
    public var meanTimeToFirstToken: Double = .nan
    /// Continuous workers: preemptions, distinct requests preempted, and context tokens
    /// (prompt plus text so far) prefilled again because of them.
    public var preemptions = 0
    public var preemptedRequests = 0
    public var recomputedTokens = 0
    /// Generated tokens of completed requests.
    public var generatedTokens = 0
    /// Longest seconds a completed request waited from arrival to its first dispatch.
    public var longestQueueWait: Double = .nan

    /// Share of submitted requests preempted at least once.
    public var preemptedShare: Double { Double(preemptedRequests) / Double(max(1, submitted)) }
    /// Recomputed context tokens as a share of the generated tokens.
    public var recomputedShare: Double { Double(recomputedTokens) / Double(max(1, generatedTokens)) }
}

/// Accumulates a run's observations and produces `SimulationMetrics`.
public struct MetricsRecorder: Sendable {
    public var responseTimes: [Double] = []
    public var generatedTokens = 0
    public var tokenSlots = 0
    public var submitted = 0
    public var failed = 0
    public var rejected = 0
    public var oomEvents = 0
    public var prefillOOMEvents = 0
    public var splits = 0
    public var continuations = 0
    public var preemptions = 0
    public var recomputedTokens = 0
    public var preemptedIDs = Set<RequestID>()
    /// Seconds from arrival to the first token, of completed requests that have one.
    public var firstTokenTimes: [Double] = []
    public var longestQueueWait = 0.0
    public var requeues = 0
    /// Error replies by code, refusals and final failures alike.
    public var errorCounts: [ErrorCode: Int] = [:]
    /// Per application: completed requests, and those within their predicted upper bound.
    public var boundChecks: [String: (completed: Int, covered: Int)] = [:]
    public var wastedMemoryAccess = 0.0
    public var busyTime = 0.0
    public var batches = 0
    public var batchedRequests = 0
    public var firstArrival = Double.infinity
    public var lastArrival = 0.0
    public var lastFinish = 0.0
    /// Completion times, for the sustained rate.
    public var finishTimes: [Double] = []

    public init() {}

    /// A final error reply to the client: a failure of an accepted request, or a refusal.
    public mutating func recordFinalError(_ code: ErrorCode, accepted: Bool, now: Seconds) {
        errorCounts[code, default: 0] += 1
        if accepted {
            failed += 1
            lastFinish = max(lastFinish, now)
        } else {
            rejected += 1
        }
    }

    public mutating func record(_ actions: [SchedulerAction], now: Seconds) {
        for action in actions {
            switch action {
            case .completed(let done):
                responseTimes.append(done.responseTime)
                if let first = done.firstTokenAt { firstTokenTimes.append(max(0, first - done.request.arrival)) }
                longestQueueWait = max(longestQueueWait, done.dispatchedAt - done.request.arrival)
                finishTimes.append(now)
                generatedTokens += done.output.generatedTokens
                var check = boundChecks[done.request.application, default: (0, 0)]
                check.completed += 1
                if done.output.generatedTokens <= done.prediction.modelUpper { check.covered += 1 }
                boundChecks[done.request.application] = check
                lastFinish = max(lastFinish, now)
            case .failed, .rejected:
                // Counted where the client sees them, as final error replies
                // (`recordFinalError`): refusals at submit never reach the scheduler's actions.
                break
            case .split: splits += 1
            case .continued: continuations += 1
            case .preempted(let id, _, let recomputed):
                preemptions += 1
                recomputedTokens += recomputed
                preemptedIDs.insert(id)
            case .observedBatch(let batch):
                wastedMemoryAccess += batch.wastedMemoryAccess
                tokenSlots += batch.predicted.batchSize * batch.actualMaxGeneration
            case .requeued: requeues += 1
            case .accepted, .dispatched: break
            }
        }
    }

    public func metrics(policy: String, offeredRate: Double, workers: Int) -> SimulationMetrics {
        let makespan = max(lastFinish - (firstArrival.isFinite ? firstArrival : 0), 1e-9)
        let sorted = responseTimes.sorted()
        func percentile(_ q: Double) -> Double {
            sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))]
        }
        let window = max(lastArrival - (firstArrival.isFinite ? firstArrival : 0), 1e-9)
        let sustained = Double(finishTimes.filter { $0 <= lastArrival }.count) / window
        var metrics = SimulationMetrics(
            policy: policy, offeredRate: offeredRate, submitted: submitted, completed: responseTimes.count,
            failed: failed, rejected: rejected, makespan: makespan,
            requestThroughput: Double(responseTimes.count) / makespan, sustainedThroughput: sustained,
            meanResponse: responseTimes.isEmpty ? .nan : responseTimes.reduce(0, +) / Double(responseTimes.count),
            p50Response: percentile(0.5), p95Response: percentile(0.95), p99Response: percentile(0.99),
            validTokenThroughput: Double(generatedTokens) / makespan, totalTokenThroughput: Double(tokenSlots) / makespan,
            oomEvents: oomEvents, prefillOOMEvents: prefillOOMEvents, splits: splits, continuations: continuations, wastedMemoryAccess: wastedMemoryAccess,
            busyFraction: busyTime / (Double(max(workers, 1)) * makespan), batches: batches,
            meanBatchSize: batches == 0 ? 0 : Double(batchedRequests) / Double(batches))
        metrics.upperBoundCoverage = boundChecks.mapValues { Double($0.covered) / Double(max(1, $0.completed)) }
        metrics.requeues = requeues
        metrics.errorCounts = Dictionary(uniqueKeysWithValues: errorCounts.map { ($0.key.rawValue, $0.value) })
        metrics.meanTimeToFirstToken = firstTokenTimes.isEmpty ? .nan : firstTokenTimes.reduce(0, +) / Double(firstTokenTimes.count)
        metrics.preemptions = preemptions
        metrics.preemptedRequests = preemptedIDs.count
        metrics.recomputedTokens = recomputedTokens
        metrics.generatedTokens = generatedTokens
        metrics.longestQueueWait = responseTimes.isEmpty ? .nan : longestQueueWait
        return metrics
    }
}
