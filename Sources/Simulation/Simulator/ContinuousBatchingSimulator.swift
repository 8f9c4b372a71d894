import Coordinator
import Shared
import Worker

/// Conservative continuous batching (CCB), the paper's third baseline: each worker runs
/// iteration-level batching (a request joins or leaves the running set between decoding
/// steps, no padding), but admits a waiting request (FCFS) only when the worst case
/// Σ (L + max_new_tokens) over the running set, itself included, fits Θ / Δ.
///
/// Step cost follows the same `EngineProfile` as the static engine: overhead + max(weights
/// + Σ context · Δ streamed, compute), plus a prefill for the requests admitted at that step.
public struct ContinuousBatchingSimulator: Sendable {
    public let profile: EngineProfile
    public let workers: Int
    public let requests: [Request]

    public init(profile: EngineProfile, workers: Int, requests: [Request]) {
        self.profile = profile
        self.workers = max(1, workers)
        self.requests = requests.sorted { ($0.arrival, $0.id) < ($1.arrival, $1.id) }
    }

    struct Row {
        var request: Request
        var target: Int
        var generated: Int
    }

    struct WorkerState {
        var rows: [Row] = []
        var reserved = 0
        var clock: Seconds = 0
    }

    /// - Complexity: O(total decoding steps × running rows).
    public func run(progress: (Int, Int) -> Void = { _, _ in }) -> MetricsRecorder {
        var recorder = MetricsRecorder()
        recorder.submitted = requests.count
        recorder.firstArrival = requests.first?.arrival ?? 0
        recorder.lastArrival = requests.last?.arrival ?? 0
        let capacity = profile.capabilities.kvTokenCapacity
        var waiting: [Request] = []
        var waitingHead = 0
        var next = 0
        var state = [WorkerState](repeating: WorkerState(), count: workers)
        var finished = 0
        var lastProgress = 0

        func worstCase(_ request: Request) -> Int { request.inputTokens + request.maxNewTokens }

        // Requests that can never fit are refused up front, as the coordinator would.
        while finished < requests.count {
            // The worker whose clock is earliest acts next (idle workers jump to the next arrival).
            var w = 0
            for i in 1..<workers where state[i].clock < state[w].clock { w = i }
            let now = state[w].clock
            while next < requests.count && requests[next].arrival <= now {
                if worstCase(requests[next]) > capacity {
                    recorder.rejected += 1
                    finished += 1
                } else {
                    waiting.append(requests[next])
                }
                next += 1
            }
            // Admit FCFS while the worst case fits.
            var admitted: [Request] = []
            while waitingHead < waiting.count, state[w].reserved + worstCase(waiting[waitingHead]) <= capacity,
                profile.maxBatchSize <= 0 || state[w].rows.count + admitted.count < profile.maxBatchSize
            {
                let request = waiting[waitingHead]
                admitted.append(request)
                state[w].reserved += worstCase(request)
                waitingHead += 1
            }
            if state[w].rows.isEmpty && admitted.isEmpty {
                // Idle: wait for the next arrival (or for other workers to finish).
                if next < requests.count {
                    state[w].clock = max(now, requests[next].arrival)
                } else {
                    state[w].clock = .infinity
                    if state.allSatisfy({ $0.clock == .infinity }) { break }
                }
                continue
            }
            var stepTime = 0.0
            if !admitted.isEmpty {
                let longest = admitted.map(\.inputTokens).max() ?? 0
                stepTime += profile.prefillSeconds(batchSize: admitted.count, paddedInput: longest)
                for request in admitted {
                    state[w].rows.append(
                        Row(request: request, target: max(1, min(request.referenceOutputTokens ?? request.maxNewTokens, request.maxNewTokens)), generated: 1))
                }
            }
            if state[w].rows.count > admitted.count {
                // One decoding step for the rows that were already running.
                let running = state[w].rows.count - admitted.count
                let context = state[w].rows.prefix(running).reduce(0) { $0 + $1.request.inputTokens + $1.generated }
                let memory = profile.weightStreamSeconds + Double(context) * profile.kvSecondsPerToken
                let compute = (profile.model.denseFLOPsPerToken * Double(running)
                    + profile.model.attentionFLOPsPerPair * Double(context)) / (profile.gpu.peakFLOPs * profile.computeEfficiency)
                stepTime += profile.stepOverheadSeconds + max(memory, compute)
                for i in 0..<running { state[w].rows[i].generated += 1 }
            }
            let end = now + stepTime
            recorder.busyTime += stepTime
            state[w].clock = end
            // Rows that reached their length leave.
            var remaining: [Row] = []
            for row in state[w].rows {
                if row.generated >= row.target {
                    recorder.responseTimes.append(end - row.request.arrival)
                    recorder.finishTimes.append(end)
                    recorder.generatedTokens += row.target
                    recorder.tokenSlots += row.target
                    recorder.lastFinish = max(recorder.lastFinish, end)
                    state[w].reserved -= worstCase(row.request)
                    finished += 1
                } else {
                    remaining.append(row)
                }
            }
            state[w].rows = remaining
            if finished - lastProgress >= 500 {
                lastProgress = finished
                progress(finished, requests.count)
            }
            if waitingHead > 4096 {
                waiting.removeFirst(waitingHead)
                waitingHead = 0
            }
        }
        progress(finished, requests.count)
        return recorder
    }
}
