/// One worker as the status snapshot shows it.
public struct WorkerStatus: Codable, Sendable, Hashable {
    public var worker: WorkerID
    /// `connected` (welcomed, not ready yet), `idle` (ready, waiting for a batch), `busy`, or
    /// `down` (`WorkerStatus.down`: gone, lost or left, within the last minute; `stateSeconds`
    /// counts from its departure, and coordinators before 0.18 drop such a worker at once).
    public var state: String
    /// The batch it runs, when busy.
    public var batchID: BatchID?
    /// Requests in that batch.
    public var batchSize: Int?
    /// Seconds it has spent in its current state.
    public var stateSeconds: Double
    /// Batches it has completed.
    public var completedBatches: Int
    /// GPU and model, from its capabilities.
    public var gpu: String
    public var model: String
    /// Continuous workers: its running sequences, KV slots reserved for them and in all, and
    /// preemptions so far (absent for static workers).
    public var continuous: ContinuousWorkerStatus?

    /// The state of a worker that left the cluster recently.
    public static let down = "down"

    public init(
        worker: WorkerID, state: String, batchID: BatchID?, batchSize: Int?, stateSeconds: Double,
        completedBatches: Int, gpu: String, model: String
    ) {
        self.worker = worker
        self.state = state
        self.batchID = batchID
        self.batchSize = batchSize
        self.stateSeconds = stateSeconds
        self.completedBatches = completedBatches
        self.gpu = gpu
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case worker, state, gpu, model, continuous
        case batchID = "batch_id"
        case batchSize = "batch_size"
        case stateSeconds = "state_s"
        case completedBatches = "completed_batches"
    }
}

/// A continuous worker's load as the status snapshot shows it.
public struct ContinuousWorkerStatus: Codable, Sendable, Hashable {
    /// Admissions it runs (or holds waiting to join).
    public var runningSequences: Int
    /// KV token slots the coordinator reserves for them.
    public var reservedTokens: Int
    /// Its paged KV cache, in token slots.
    public var capacityTokens: Int
    /// Requests it preempted since it joined.
    public var preemptions: Int

    public init(runningSequences: Int, reservedTokens: Int, capacityTokens: Int, preemptions: Int) {
        self.runningSequences = runningSequences
        self.reservedTokens = reservedTokens
        self.capacityTokens = capacityTokens
        self.preemptions = preemptions
    }

    enum CodingKeys: String, CodingKey {
        case preemptions
        case runningSequences = "running_sequences"
        case reservedTokens = "reserved_tokens"
        case capacityTokens = "capacity_tokens"
    }
}
