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
        /// A worker said hello (`worker`).
        public static let workerUp = Kind(rawValue: "worker_up")
        /// A worker left or was declared lost (`worker`, `message`).
        public static let workerDown = Kind(rawValue: "worker_down")
        /// Requests failed for good (`batch_id`, `message`).
        public static let failure = Kind(rawValue: "failure")
        /// The coordinator began draining.
        public static let drain = Kind(rawValue: "drain")
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

    public init(
        kind: Kind, time: Double, batchID: BatchID? = nil, worker: WorkerID? = nil, batchSize: Int? = nil,
        children: [BatchID]? = nil, estimatedSeconds: Double? = nil, durationSeconds: Double? = nil,
        message: String? = nil
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
    }

    enum CodingKeys: String, CodingKey {
        case kind, time, worker, children, message
        case batchID = "batch_id"
        case batchSize = "batch_size"
        case estimatedSeconds = "estimated_s"
        case durationSeconds = "duration_s"
    }
}
