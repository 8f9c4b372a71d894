import Shared

/// What one iteration of a continuous engine produced: the device seconds it took, the
/// reports it owes the coordinator (`result` per finished admission, `preempted`,
/// `progress`), and the room left afterwards.
public struct ContinuousStep: Sendable, Hashable {
    public var duration: Seconds
    public var reports: [WorkerMessage]
    public var room: ContinuousRoom
    /// Rows the step computed (decoded or prefilled).
    public var rows: Int

    public init(duration: Seconds, reports: [WorkerMessage], room: ContinuousRoom, rows: Int) {
        self.rows = rows
        self.duration = duration
        self.reports = reports
        self.room = room
    }

    /// Whether an admission ended in this step (finished, preempted or failed), so the worker's room
    /// is worth announcing again.
    public var freedRoom: Bool {
        reports.contains { report in
            switch report {
            case .result, .preempted, .fault: true
            default: false
            }
        }
    }
}

/// An engine that batches at the iteration level: admissions (single-request `batch`
/// messages) join between decoding steps, each leaves when it finishes, and a step that
/// cannot get KV memory preempts admissions. Implementations: `SimulatedContinuousEngine`
/// (the paged cost model of docs/engine.md) and the real engine's continuous mode.
public protocol ContinuousEngine: Sendable {
    /// What the worker announces (with `continuous` set).
    var capabilities: WorkerCapabilities { get }
    /// True when step durations are modelled (the worker service then waits them out).
    var isSimulated: Bool { get }
    /// Room for new admissions now.
    var room: ContinuousRoom { get }
    /// Whether nothing runs or waits.
    var isIdle: Bool { get }
    /// Takes an admission: one request whose reports name `admission.batchID`.
    mutating func admit(_ admission: BatchMessage) throws(EngineError)
    /// Runs one iteration (joins, one decoding step, leaves). Only called while not idle.
    mutating func step() throws(EngineError) -> ContinuousStep
}
