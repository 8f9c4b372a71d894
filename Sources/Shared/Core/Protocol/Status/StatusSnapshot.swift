/// `snapshot` (status topic `snapshot`): the coordinator's state and recent performance.
public struct StatusSnapshot: WireMessage {
    public static let type = "snapshot"

    /// Seconds since the coordinator started.
    public var time: Double
    /// Requests waiting in the queue.
    public var queueDepth: Int
    /// Batches waiting in the queue.
    public var queuedBatches: Int
    /// Batches on workers.
    public var runningBatches: Int
    public var workers: [WorkerStatus]
    /// Requests answered with a result since start.
    public var completed: Int
    /// Requests answered with an error after acceptance (OOM alone, repeated faults,
    /// deadline, shutdown) since start.
    public var failed: Int
    /// Results per second over the last `window` seconds.
    public var throughput: Double
    /// Generated tokens per second over the last `window` seconds.
    public var tokenThroughput: Double
    /// The throughput and latency window in seconds.
    public var window: Double
    /// Response time (arrival to result) of results in the window.
    public var latency: LatencySummary
    /// Mean absolute error |G' − G| in tokens over the most recent completions.
    public var predictorMAE: Double
    /// Completions `predictorMAE` averages over.
    public var predictorSamples: Int
    /// Batches that ran out of memory, and the splits they caused.
    public var oomCount: Int
    public var splitCount: Int
    /// Batches requeued after a lost worker or an engine fault.
    public var requeueCount: Int
    /// Requests stopped at a batch's generation cap and continued in a later batch (bounded
    /// decoding); absent from coordinators that do not cap.
    public var continuationCount: Int?
    /// Requests preempted by continuous workers (absent from older coordinators).
    public var preemptionCount: Int?
    /// Time-to-first-token percentiles over the window, when workers report first tokens.
    public var firstTokenLatency: LatencySummary?
    /// Workers declared lost (heartbeat timeout or unreachable).
    public var workersLost: Int
    /// Error replies sent, by code.
    public var errors: [String: Int]
    /// True once draining.
    public var draining: Bool
    /// Client replies that could not be sent at once, and what became of them (absent while
    /// every reply went out at once, and from older coordinators).
    public var delivery: DeliveryStatus?

    public init(
        time: Double, queueDepth: Int, queuedBatches: Int, runningBatches: Int, workers: [WorkerStatus], completed: Int,
        failed: Int, throughput: Double, tokenThroughput: Double, window: Double, latency: LatencySummary,
        predictorMAE: Double, predictorSamples: Int, oomCount: Int, splitCount: Int, requeueCount: Int,
        workersLost: Int, errors: [String: Int], draining: Bool, continuationCount: Int? = nil, preemptionCount: Int? = nil,
        firstTokenLatency: LatencySummary? = nil
    ) {
        self.firstTokenLatency = firstTokenLatency
        self.preemptionCount = preemptionCount
        self.continuationCount = continuationCount
        self.time = time
        self.queueDepth = queueDepth
        self.queuedBatches = queuedBatches
        self.runningBatches = runningBatches
        self.workers = workers
        self.completed = completed
        self.failed = failed
        self.throughput = throughput
        self.tokenThroughput = tokenThroughput
        self.window = window
        self.latency = latency
        self.predictorMAE = predictorMAE
        self.predictorSamples = predictorSamples
        self.oomCount = oomCount
        self.splitCount = splitCount
        self.requeueCount = requeueCount
        self.workersLost = workersLost
        self.errors = errors
        self.draining = draining
    }

    enum CodingKeys: String, CodingKey {
        case time, workers, completed, failed, throughput, window, latency, errors, draining, delivery
        case queueDepth = "queue_depth"
        case queuedBatches = "queued_batches"
        case runningBatches = "running_batches"
        case tokenThroughput = "token_throughput"
        case predictorMAE = "predictor_mae"
        case predictorSamples = "predictor_samples"
        case oomCount = "oom_count"
        case splitCount = "split_count"
        case requeueCount = "requeue_count"
        case continuationCount = "continuation_count"
        case preemptionCount = "preemption_count"
        case firstTokenLatency = "first_token_latency"
        case workersLost = "workers_lost"
    }
}
