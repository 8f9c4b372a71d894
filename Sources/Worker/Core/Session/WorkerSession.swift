import Shared

/// The worker's side of the protocol as a pure state machine: messages from the coordinator,
/// the end of a batch, timer ticks and the drain request go in with the time; messages to
/// send, batches to run and log lines come out. `WorkerService` performs them.
///
/// Lifecycle: `hello` → `welcome` → `ready` → `batch` → run → `result`/`oom`/`fault` →
/// `ready`... Heartbeats flow every interval once welcomed, busy or idle. An `unknown_worker`
/// error (the coordinator restarted or declared this worker lost) sends `hello` again; a
/// batch still running then is finished and reported anyway (the coordinator ignores it).
public struct WorkerSession: Sendable {
    /// What the shell should do.
    public enum Action: Sendable, Hashable {
        case send(WorkerMessage)
        /// Start running this batch on the engine (never while another runs).
        case run(BatchMessage)
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
    }

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
        if running == nil { return leave("shutting down") }
        return [.log(.info, "draining: finishing \(running!) first (up to \(drainTimeout) s)")]
    }

    private mutating func askForWork() -> [Action] {
        guard isWelcomed, running == nil, !isWaiting, !isDraining else { return [] }
        isWaiting = true
        return [.send(.ready(ReadyMessage()))]
    }

    private mutating func leave(_ reason: String) -> [Action] {
        isStopped = true
        return [.send(.goodbye(GoodbyeMessage(reason: reason))), .log(.info, "leaving: \(reason)"), .exit]
    }
}
