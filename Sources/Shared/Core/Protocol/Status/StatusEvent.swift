/// `event` (status topic `event`): one thing that happened. Fields beyond `kind` and `time`
/// are present when they apply to the kind.
public struct StatusEvent: WireMessage {
    public static let type = "event"

    /// What happened.
    public struct Kind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A batch went to a worker (`batch_id`, `worker`, `batch_size`, `estimated_s`).
        public static let dispatch = Kind(rawValue: "dispatch")
        /// A batch finished (`batch_id`, `worker`, `batch_size`, `duration_s`).
        public static let complete = Kind(rawValue: "complete")
        /// A batch ran out of memory and was split (`batch_id`, `worker`, `children`).
        public static let oom = Kind(rawValue: "oom")
        /// A batch went back to the queue (`batch_id`, `children` = its new id, `message`).
        public static let requeue = Kind(rawValue: "requeue")
        /// A continuous worker preempted a request (`worker`, `message`: the request and its
        /// tokens so far); it is queued again.
        public static let preemption = Kind(rawValue: "preemption")
        /// A worker said hello (`worker`).
        public static let workerUp = Kind(rawValue: "worker_up")
        /// A worker left or was declared lost (`worker`, `message`).
        public static let workerDown = Kind(rawValue: "worker_down")
        /// Requests failed for good (`batch_id`, `message`).
        public static let failure = Kind(rawValue: "failure")
        /// The coordinator began draining.
        public static let drain = Kind(rawValue: "drain")
        /// A retraining run produced a candidate model (`model`, `version`,
        /// `validation_error`, `baseline_error`, `accepted`, `message`); an accepted one now
        /// serves, a rejected one was kept for the record and the old model stays.
        public static let retrain = Kind(rawValue: "retrain")
    }

    public var kind: Kind
    /// Seconds since the coordinator started.
    public var time: Double
    public var batchID: BatchID?
    public var worker: WorkerID?
    public var batchSize: Int?
    public var children: [BatchID]?
    public var estimatedSeconds: Double?
    public var durationSeconds: Double?
    public var message: String?
    /// `retrain`: the model kind, `predictor` or `estimator`.
    public var model: String?
    /// `retrain`: the candidate's version number.
    public var version: Int?
    /// `retrain`: the candidate's error on the held-out rows (tokens or seconds).
    public var validationError: Double?
    /// `retrain`: the error of the model in service on the same rows.
    public var baselineError: Double?
    /// `retrain`: whether the candidate replaced the model in service.
    public var accepted: Bool?

    public init(
        kind: Kind, time: Double, batchID: BatchID? = nil, worker: WorkerID? = nil, batchSize: Int? = nil,
        children: [BatchID]? = nil, estimatedSeconds: Double? = nil, durationSeconds: Double? = nil,
        message: String? = nil, model: String? = nil, version: Int? = nil, validationError: Double? = nil,
        baselineError: Double? = nil, accepted: Bool? = nil
    ) {
        self.kind = kind
        self.time = time
        self.batchID = batchID
        self.worker = worker
        self.batchSize = batchSize
        self.children = children
        self.estimatedSeconds = estimatedSeconds
        self.durationSeconds = durationSeconds
        self.message = message
        self.model = model
        self.version = version
        self.validationError = validationError
        self.baselineError = baselineError
        self.accepted = accepted
    }

    enum CodingKeys: String, CodingKey {
        case kind, time, worker, children, message, model, version, accepted
        case batchID = "batch_id"
        case batchSize = "batch_size"
        case estimatedSeconds = "estimated_s"
        case durationSeconds = "duration_s"
        case validationError = "validation_error"
        case baselineError = "baseline_error"
    }
}
