import Coordinator
import Shared

/// Measures what the scheduler costs per decision as its queue grows: submit (WMA insertion
/// with the prediction precomputed) and dispatch (HRRN selection), at fixed queue depths.
public struct SchedulerCostBenchmark: Sendable {
    /// Looks a prediction up instead of running the forest, so insertion is timed alone:
    /// request `q<n>` is a copy of `requests[n % count]`.
    struct PrecomputedPredictor: LengthPredicting {
        let predictions: [LengthPrediction]
        func predict(_ request: Request) -> LengthPrediction {
            let number = Int(request.id.rawValue.dropFirst()) ?? 0
            return predictions[number % predictions.count]
        }
    }

    public var requests: [Request]
    public var predictor: any LengthPredicting
    public var kvTokenCapacity: Int
    public var wmaThreshold: Double
    public var estimator: any BatchTimeEstimating
    public var worker: WorkerCapabilities

    public init(
        requests: [Request], predictor: any LengthPredicting, kvTokenCapacity: Int, wmaThreshold: Double,
        estimator: any BatchTimeEstimating, worker: WorkerCapabilities
    ) {
        self.requests = requests
        self.predictor = predictor
        self.kvTokenCapacity = kvTokenCapacity
        self.wmaThreshold = wmaThreshold
        self.estimator = estimator
        self.worker = worker
    }

    /// One queue depth's measurement, in microseconds.
    public struct Result: Sendable {
        public var queuedRequests: Int
        public var queuedBatches: Int
        public var submitP50: Double
        public var submitP99: Double
        public var dispatchP50: Double
        public var dispatchP99: Double
    }

    /// Fills the queue to `depth` requests, then alternates: dispatch one batch (timed),
    /// complete it, and refill to `depth` (each submit timed), `rounds` times.
    public func run(depth: Int, rounds: Int) -> Result {
        let predictions = requests.map { predictor.predict($0) }
        var scheduler = Scheduler(
            configuration: SchedulerConfiguration(policy: .magnus, wmaThreshold: wmaThreshold, kvTokenCapacity: kvTokenCapacity),
            predictor: PrecomputedPredictor(predictions: predictions), estimator: estimator)
        let clock = ContinuousClock()
        var next = 0
        var now = 0.0
        var submitTimes: [Double] = []
        var dispatchTimes: [Double] = []
        func submitOne(timed: Bool) {
            var request = requests[next % requests.count]
            request.id = RequestID("q\(next)")
            request.arrival = now
            next += 1
            let start = clock.now
            _ = scheduler.submit(request)
            if timed { submitTimes.append(PredictorBenchmark.seconds(start.duration(to: clock.now)) * 1e6) }
        }
        while scheduler.queuedRequestCount < depth { submitOne(timed: false) }
        let batches = scheduler.queue.count
        for _ in 0..<rounds {
            now += 0.05
            let start = clock.now
            let batch = scheduler.dispatch(to: WorkerID("w"), capabilities: worker, now: now).dispatchedBatch
            dispatchTimes.append(PredictorBenchmark.seconds(start.duration(to: clock.now)) * 1e6)
            guard let batch else { break }
            _ = scheduler.complete(
                BatchReport(
                    batchID: batch.id, worker: batch.worker, duration: 1,
                    outputs: batch.requests.map { RequestOutput(id: $0.id, text: "", generatedTokens: 1) }), now: now)
            while scheduler.queuedRequestCount < depth && next < depth + rounds * 512 { submitOne(timed: true) }
        }
        return Result(
            queuedRequests: depth, queuedBatches: batches, submitP50: Percentile.of(submitTimes, 0.5),
            submitP99: Percentile.of(submitTimes, 0.99), dispatchP50: Percentile.of(dispatchTimes, 0.5),
            dispatchP99: Percentile.of(dispatchTimes, 0.99))
    }
}
