import ServiceSupport
import Shared
import Synchronization
import Worker

/// The real engine's continuous mode as a `ContinuousEngine`: admissions go to the engine
/// process with `cb_add` (the admission's batch id as the engine's request id), and each
/// `step` is one `cb_poll` (waiting up to `pollMilliseconds` for an event) whose events
/// become the worker's reports: `first_token` is kept for the result, `progress` becomes
/// `progress`, `finished` a one-output `result`, `failed` a `fault` (the coordinator requeues
/// it). The engine preempts and recomputes inside itself; its requests still finish with
/// their whole text, so the coordinator sees no `preempted`.
///
/// When the engine process fails or is restarted (`TransformersEngine` supervises it), the
/// requests it held are lost: every admission in flight is reported as a fault. Used from
/// the worker's engine thread only; the state sits behind a mutex to be `Sendable`.
public final class ContinuousTransformersEngine: ContinuousEngine {
    private let engine: TransformersEngine
    private let pollMilliseconds: Int
    private let clock = MonotonicClock()
    private let state = Mutex(State())

    private struct State {
        /// Admissions in the engine, by the id it knows them by.
        var admissions: [String: (batch: BatchID, request: EngineRequest)] = [:]
        var firstTokens: [String: Double] = [:]
        var generation: Int?
        var room: ContinuousRoom
        init(room: ContinuousRoom = ContinuousRoom(freeTokens: 0, freeSequences: 0)) { self.room = room }
    }

    /// - Throws: `EngineError` when the engine was not started in its continuous mode.
    public init(engine: TransformersEngine, pollMilliseconds: Int = 50) throws(EngineError) {
        guard let capacity = engine.capabilities.continuous else {
            throw EngineError("the engine was not started with --continuous (its hello has no continuous mode)")
        }
        self.engine = engine
        self.pollMilliseconds = max(1, pollMilliseconds)
        state.withLock {
            $0.room = ContinuousRoom(freeTokens: capacity.kvTokenSlots, freeSequences: capacity.maxRunning)
        }
    }

    public var capabilities: WorkerCapabilities { engine.capabilities }
    public var isSimulated: Bool { false }
    public var room: ContinuousRoom { state.withLock { $0.room } }
    public var isIdle: Bool { state.withLock { $0.admissions.isEmpty } }

    public func admit(_ admission: BatchMessage) throws(EngineError) {
        guard admission.requests.count == 1, let request = admission.requests.first else {
            throw EngineError("a continuous engine takes one request per admission, got \(admission.requests.count)")
        }
        let id = "b\(admission.batchID.rawValue)"
        let (reply, generation) = try engine.continuousExchange(.continuousAdd([(id, request)]), what: "cb_add of \(request.id)")
        switch reply {
        case .continuousAdded(let ids) where ids == [id]:
            state.withLock { state in
                state.admissions[id] = (admission.batchID, request)
                state.generation = state.generation ?? generation
                state.room.freeSequences = max(0, state.room.freeSequences - 1)
            }
        case .error(let code, let message):
            throw EngineError("the engine refused \(request.id): \(code): \(message)")
        default:
            throw EngineError("the engine answered cb_add with an unexpected reply")
        }
    }

    public func step() throws(EngineError) -> ContinuousStep {
        let started = clock.now
        let polled: (reply: EngineReply, generation: Int)
        do {
            polled = try engine.continuousExchange(.continuousPoll(waitMilliseconds: pollMilliseconds), what: "cb_poll")
        } catch {
            return failAll("the engine failed: \(error.description)", started: started)
        }
        guard case .continuousEvents(let events) = polled.reply else {
            return failAll("the engine answered cb_poll with an unexpected reply", started: started)
        }
        if let known = state.withLock({ $0.generation }), known != polled.generation {
            return failAll("the engine was restarted and lost its requests", started: started)
        }
        return state.withLock { state in
            var reports: [WorkerMessage] = []
            var progress: [ProgressMessage.Row] = []
            for event in events.events {
                guard let (batch, request) = state.admissions[event.id] else { continue }
                switch event.event {
                case "first_token":
                    state.firstTokens[event.id] = event.afterSeconds
                case "progress":
                    progress.append(
                        ProgressMessage.Row(batchID: batch, generatedTokens: max(0, event.generatedTokens ?? 0), text: event.text))
                case "finished":
                    state.admissions[event.id] = nil
                    let output = EngineOutput(
                        id: request.id, text: event.text ?? "", generatedTokens: max(0, event.generatedTokens ?? 0),
                        inputTokensSeen: event.inputTokensSeen, finished: event.finished)
                    reports.append(
                        .result(
                            BatchResultMessage(
                                batchID: batch, duration: max(0, event.wallSeconds ?? 0), outputs: [output],
                                firstTokenSeconds: state.firstTokens.removeValue(forKey: event.id))))
                case "failed":
                    state.admissions[event.id] = nil
                    state.firstTokens[event.id] = nil
                    reports.append(
                        .fault(
                            FaultMessage(
                                batchID: batch, message: "engine: \(event.code ?? "internal"): \(event.message ?? "failed")")))
                default:
                    continue
                }
            }
            if !progress.isEmpty { reports.insert(.progress(ProgressMessage(rows: progress)), at: 0) }
            let capacity = engine.capabilities.continuous
            state.room = ContinuousRoom(
                freeTokens: max(0, events.kvCapacityTokens - events.kvUsedTokens),
                freeSequences: max(0, (capacity?.maxRunning ?? 0) - events.running - events.waiting))
            return ContinuousStep(duration: clock.now - started, reports: reports, room: state.room, rows: events.running)
        }
    }

    /// Every admission in flight reported as a fault (the engine lost them).
    private func failAll(_ message: String, started: Double) -> ContinuousStep {
        state.withLock { state in
            let reports = state.admissions.values.sorted { $0.batch < $1.batch }.map { admission in
                WorkerMessage.fault(FaultMessage(batchID: admission.batch, message: message))
            }
            state.admissions.removeAll()
            state.firstTokens.removeAll()
            state.generation = nil
            if let capacity = engine.capabilities.continuous {
                state.room = ContinuousRoom(freeTokens: capacity.kvTokenSlots, freeSequences: capacity.maxRunning)
            }
            return ContinuousStep(duration: clock.now - started, reports: reports, room: state.room, rows: 0)
        }
    }
}
