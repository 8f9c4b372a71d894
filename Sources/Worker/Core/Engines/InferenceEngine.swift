import Shared

/// One request of a batch as an engine receives it: the wire protocol's batch item (instruction
/// and input as the prompt, L(p), max_new_tokens, and the simulated engine's length hint; real
/// engines ignore the hint, and without it the simulated engine derives a length from the prompt).
public typealias EngineRequest = WireBatchItem

/// What an engine produced for one request: the same value a worker reports.
public typealias EngineOutput = RequestOutput

/// How a batch run ended.
public enum EngineOutcome: Sendable, Hashable {
    /// Every row finished; outputs are in batch order.
    case completed([EngineOutput])
    /// The KV cache (or an allocation) did not fit at decoding step `step` (0 = prefill).
    case outOfMemory(step: Int, requiredBytes: Int, availableBytes: Int)
}

/// The result of running one batch: its outcome and the GPU time it took (for an OOM, the
/// time spent until the failure, which is spent all the same).
public struct EngineRun: Sendable, Hashable {
    public var outcome: EngineOutcome
    /// Seconds of device time. For a simulated engine this is modelled time; the worker
    /// service waits it out (scaled) in real time, the simulator advances its clock by it.
    public var duration: Seconds
    /// Seconds from the start of the run to the first token (the prefill), when known.
    public var firstTokenSeconds: Seconds?

    public init(outcome: EngineOutcome, duration: Seconds, firstTokenSeconds: Seconds? = nil) {
        self.outcome = outcome
        self.duration = duration
        self.firstTokenSeconds = firstTokenSeconds
    }
}

/// Errors an engine raises that are not an OOM: the worker reports them as a fault, and the
/// coordinator requeues the batch.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An inference engine: runs one static batch to completion (or OOM). Implementations: the
/// simulated GPU (default) and the real transformers engine behind a local socket.
public protocol InferenceEngine: Sendable {
    /// What the worker announces to the coordinator.
    var capabilities: WorkerCapabilities { get }
    /// True when `duration` is modelled rather than measured (the worker then waits it out).
    var isSimulated: Bool { get }
    /// Runs one batch: padded to its longest input, greedy decoding until every row ends.
    func run(_ batch: [EngineRequest]) throws(EngineError) -> EngineRun
}
