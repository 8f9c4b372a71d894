import Shared

/// The worker's side of the protocol as a pure state machine: messages from the coordinator,
/// the end of a batch, timer ticks and the drain request go in with the time; messages to
/// send, batches to run and log lines come out. `WorkerService` performs them.
///
/// Lifecycle: `hello` → `welcome` → `ready` → `batch` → run → `result`/`oom`/`fault` →
/// `ready`... Heartbeats flow every interval once welcomed, busy or idle. An `unknown_worker`
/// error (the coordinator restarted or declared this worker lost) sends `hello` again; a
/// batch still running then is finished and reported anyway (the coordinator ignores it).
///
/// A continuous worker (capabilities with `continuous`) holds many admissions at once: each
/// single-request `batch` becomes `admit`, the engine's steps come back through `stepped`,
/// whose reports are sent as they happen, followed by a `ready` with the room left whenever
/// an admission ended.
public struct WorkerSession: Sendable {
    /// What the shell should do.
    public enum Action: Sendable, Hashable {
        case send(WorkerMessage)
        /// Start running this batch on the engine (never while another runs).
        case run(BatchMessage)
        /// Continuous workers: hand this admission to the engine (it joins at the next step).
        case admit(BatchMessage)
        case log(LogLevel, String)
        /// Stop: the drain is over (a goodbye was already sent).
        case exit
    }

    public let worker: WorkerID
    public let capabilities: WorkerCapabilities
    /// Whether the coordinator has welcomed this worker (since the last `unknown_worker`).
    public private(set) var isWelcomed = false
    /// The batch on the engine.
    public private(set) var running: BatchID?
    /// Continuous workers: the admissions on the engine.
    public private(set) var admissions: Set<BatchID> = []
    /// Continuous workers: the room announced last.
    public private(set) var room: ContinuousRoom?
    /// Whether a `ready` is outstanding (idle, waiting for a batch).
    public private(set) var isWaiting = false
    public private(set) var isDraining = false
    public private(set) var isStopped = false
    /// Seconds between heartbeats (from `welcome`).
    public private(set) var heartbeatInterval: Double
    private let helloRetry: Double
    private let drainTimeout: Double
    private var drainDeadline = Double.infinity
    private var nextHeartbeat = 0.0
    private var nextHello = 0.0

    /// - Parameters:
    ///   - heartbeatInterval: until `welcome` says otherwise.
    ///   - helloRetry: seconds before repeating an unanswered `hello`.
    ///   - drainTimeout: seconds a drain waits for the running batch.
    public init(
        worker: WorkerID, capabilities: WorkerCapabilities, heartbeatInterval: Double = 1, helloRetry: Double = 5,
        drainTimeout: Double = 60
    ) {
        self.worker = worker
        self.capabilities = capabilities
        self.heartbeatInterval = heartbeatInterval
        self.helloRetry = helloRetry
        self.drainTimeout = drainTimeout
        room = capabilities.continuous.map { ContinuousRoom(freeTokens: $0.kvTokenSlots, freeSequences: $0.maxRunning) }
    }

    /// Whether the worker batches at the iteration level.
    public var isContinuous: Bool { capabilities.continuous != nil }

    /// The first `hello`.
    public mutating func start(now: Double) -> [Action] {
        nextHello = now + helloRetry
        return [.send(.hello(HelloMessage(worker: worker, capabilities: capabilities)))]
    }

    /// A frame from the coordinator.
    public mutating func received(_ payload: [UInt8], now: Double) -> [Action] {
        let directive: CoordinatorDirective
        do {
            directive = try CoordinatorDirective.decode(payload)
        } catch {
            return [.log(.warning, "ignored a bad message from the coordinator: \(error)")]
        }
        return received(directive, now: now)
    }

    /// A decoded directive from the coordinator (the simulator's workers get these directly).
    public mutating func received(_ directive: CoordinatorDirective, now: Double) -> [Action] {
        switch directive {
        case .welcome(let welcome):
            let first = !isWelcomed
            isWelcomed = true
            heartbeatInterval = max(0.01, Double(welcome.heartbeatIntervalMilliseconds) / 1000)
            nextHeartbeat = now + heartbeatInterval
            var actions: [Action] = [
                .log(
                    first ? .info : .debug,
                    "welcomed by the coordinator (heartbeat every \(welcome.heartbeatIntervalMilliseconds) ms, timeout \(welcome.heartbeatTimeoutMilliseconds) ms)"
                )
            ]
            // After a repeated hello the coordinator keeps an outstanding ready, so ask only
            // if none is (asking twice would look like a lost batch to the coordinator).
            actions += askForWork()
            return actions
        case .batch(let batch) where isContinuous:
            guard !isDraining, batch.requests.count == 1 else {
                let reason = isDraining ? "worker \(worker) is draining" : "a continuous worker takes one request per admission"
                return [.send(.fault(FaultMessage(batchID: batch.batchID, message: reason))), .log(.info, "refused \(batch.batchID): \(reason)")]
            }
            guard admissions.insert(batch.batchID).inserted else {
                return [.log(.warning, "got \(batch.batchID) twice; ignored the second")]
            }
            isWaiting = false
            return [.admit(batch)]
        case .batch(let batch):
            guard running == nil else {
                return [
                    .send(.fault(FaultMessage(batchID: batch.batchID, message: "worker \(worker) is already running \(running!)"))),
                    .log(.warning, "got \(batch.batchID) while running \(running!); refused it"),
                ]
            }
            isWaiting = false
            running = batch.batchID
            return [.run(batch), .log(.debug, "running \(batch.batchID): \(batch.requests.count) requests")]
        case .error(let error):
            if error.code == .unknownWorker {
                isWelcomed = false
                isWaiting = false
                nextHello = now + helloRetry
                return [
                    .log(.info, "the coordinator does not know this worker (restarted?); saying hello again"),
                    .send(.hello(HelloMessage(worker: worker, capabilities: capabilities))),
                ]
            }
            return [.log(error.code == .unknownBatch ? .info : .warning, "coordinator: \(error.code): \(error.message)")]
        }
    }

    /// The engine finished the running batch; `report` is its `result`, `oom` or `fault`.
    public mutating func finished(_ report: WorkerMessage, now: Double) -> [Action] {
        running = nil
        var actions: [Action] = [.send(report)]
        if isDraining {
            actions += leave("drained")
        } else {
            actions += askForWork()
        }
        return actions
    }

    /// Continuous workers: the engine ran one step. Its reports go out as they are; an
    /// admission that ended frees room, announced with a `ready`; a drain ends when none is
    /// left.
    public mutating func stepped(_ step: ContinuousStep, now: Double) -> [Action] {
        var actions: [Action] = []
        for report in step.reports {
            switch report {
            case .result(let result): admissions.remove(result.batchID)
            case .preempted(let preempted): admissions.remove(preempted.batchID)
            case .fault(let fault): admissions.remove(fault.batchID)
            default: break
            }
            actions.append(.send(report))
        }
        room = step.room
        if isDraining {
            if admissions.isEmpty { actions += leave("drained") }
        } else if step.freedRoom {
            actions += askForWork(force: true)
        }
        return actions
    }

    /// Continuous workers: an admission the engine refused or lost is reported as a fault.
    public mutating func admissionFailed(_ batch: BatchID, message: String, room: ContinuousRoom, now: Double) -> [Action] {
        admissions.remove(batch)
        self.room = room
        var actions: [Action] = [.send(.fault(FaultMessage(batchID: batch, message: message)))]
        if isDraining, admissions.isEmpty { actions += leave("drained") }
        return actions
    }

    /// Heartbeats, hello retries and the drain timeout.
    public mutating func tick(now: Double) -> [Action] {
        guard !isStopped else { return [] }
        var actions: [Action] = []
        if isDraining && now >= drainDeadline {
            actions.append(.log(.warning, "drain timeout: leaving while \(running.map(\.description) ?? "nothing") still runs"))
            actions += leave("drain timeout")
            return actions
        }
        if isWelcomed {
            if now >= nextHeartbeat {
                nextHeartbeat = now + heartbeatInterval
                actions.append(.send(.heartbeat(HeartbeatMessage(batchID: running))))
            }
        } else if now >= nextHello {
            nextHello = now + helloRetry
            actions.append(.send(.hello(HelloMessage(worker: worker, capabilities: capabilities))))
            actions.append(.log(.info, "no welcome yet; saying hello again"))
        }
        return actions
    }

    /// Seconds until `tick` has something to do.
    public func nextTick(now: Double) -> Double {
        let due = isDraining ? min(drainDeadline, isWelcomed ? nextHeartbeat : nextHello) : (isWelcomed ? nextHeartbeat : nextHello)
        return max(0, due - now)
    }

    /// Stops asking for work; leaves once the running batch (if any) is reported, or at the
    /// drain timeout.
    public mutating func beginDrain(now: Double) -> [Action] {
        guard !isDraining else { return [] }
        isDraining = true
        drainDeadline = now + drainTimeout
        if isContinuous {
            if admissions.isEmpty { return leave("shutting down") }
            return [.log(.info, "draining: finishing \(admissions.count) running requests first (up to \(drainTimeout) s)")]
        }
        if running == nil { return leave("shutting down") }
        return [.log(.info, "draining: finishing \(running!) first (up to \(drainTimeout) s)")]
    }

    /// A static worker asks once while idle; a continuous one states its room, again
    /// whenever it changes (`force`).
    private mutating func askForWork(force: Bool = false) -> [Action] {
        guard isWelcomed, !isDraining else { return [] }
        if let room {
            guard force || !isWaiting else { return [] }
            isWaiting = true
            return [.send(.ready(ReadyMessage(room: room)))]
        }
        guard running == nil, !isWaiting else { return [] }
        isWaiting = true
        return [.send(.ready(ReadyMessage()))]
    }

    private mutating func leave(_ reason: String) -> [Action] {
        isStopped = true
        return [.send(.goodbye(GoodbyeMessage(reason: reason))), .log(.info, "leaving: \(reason)"), .exit]
    }
}
