import Coordinator
import Dispatch
import Foundation
import ServiceSupport
import Shared
import Synchronization
import Transport

/// The coordinator process's real-time shell: one dedicated thread owns the client ROUTER,
/// the worker ROUTER and the status PUB, polls them, stamps every event with a monotonic clock
/// and drives a `CoordinatorRuntime`, performing what it returns.
///
/// With a log path (`storage.log_path`) it also runs the journal thread, which owns the
/// SQLite log store: each poll iteration's journal records are committed there before that
/// iteration's client replies go out (an acknowledged request is on disk), while worker
/// directives and status events go out at once, so dispatch never waits for the disk. A
/// restart queues unfinished requests again and answers finished ids from the store. The
/// learning thread retrains the models in the background; the loop swaps accepted ones in.
///
/// `start()` binds the sockets and returns once they are bound; `drain()` (from any thread,
/// e.g. a signal handler) begins a graceful drain; `wait()` blocks until the loop has ended.
public final class CoordinatorService: Sendable {
    public let configuration: CoordinatorConfiguration
    private let source: ModelSource
    private let log: ServiceLog
    private let control = Mutex(Control())
    private let started = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let timings = Mutex(DispatchTimings())

    private struct Control {
        var drainRequested = false
        var stopRequested = false
        var startResult: Result<CoordinatorEndpoints, CoordinatorStartError>?
        var exitStatus: Int32?
        var retraining: RetrainingLoop?
    }

    /// A service around a scheduler the caller built. With a log path, requests are
    /// journalled and recovered, but the models are the given ones and do not retrain.
    /// - Parameters:
    ///   - configuration: validated settings.
    ///   - scheduler: the core, built by `PredictorBootstrap.scheduler`.
    public init(configuration: CoordinatorConfiguration, scheduler: Scheduler, log: ServiceLog) {
        self.configuration = configuration
        self.source = .given(scheduler)
        self.log = log
    }

    /// A service that chooses its models at start, on its own thread: the log store's
    /// active versions, else the training data (`trainingExamples`, or the configured
    /// files), else logged data, else the analytic prior; and, with a log path, retrains
    /// them in the background.
    public init(configuration: CoordinatorConfiguration, log: ServiceLog, trainingExamples: [LengthExample]? = nil) {
        self.configuration = configuration
        self.source = trainingExamples.map { .examples($0) } ?? .configured
        self.log = log
    }

    /// Binds the sockets on the service thread and starts its loop (after opening the log
    /// store and choosing the models, which may train a forest).
    /// - Returns: the bound endpoints.
    /// - Throws: `CoordinatorStartError` when an endpoint cannot be bound (malformed, in
    ///   use...), the log store cannot be opened or the training data read.
    public func start() throws(CoordinatorStartError) -> CoordinatorEndpoints {
        let thread = Thread { [self] in
            let status = run()
            control.withLock { $0.exitStatus = status }
            finished.signal()
        }
        thread.name = "magnus-coordinator"
        thread.start()
        started.wait()
        switch control.withLock({ $0.startResult! }) {
        case .success(let endpoints): return endpoints
        case .failure(let error):
            _ = wait()
            throw error
        }
    }

    /// Begins a graceful drain: new submits are refused, running batches finish (up to the
    /// drain timeout), then the loop ends. Thread-safe and idempotent.
    public func drain() {
        control.withLock { $0.drainRequested = true }
    }

    /// Ends the loop at once, without draining. Thread-safe.
    public func stop() {
        control.withLock { $0.stopRequested = true }
    }

    /// Blocks until the loop has ended; returns the process exit status (0 after a drain).
    public func wait() -> Int32 {
        finished.wait()
        finished.signal()
        return control.withLock { $0.exitStatus ?? 1 }
    }

    /// How long the loop took to turn a worker's message into a batch for it (the dispatch
    /// decision, in seconds), for the most recent dispatches, each with whether a
    /// retraining run was in progress then. Thread-safe.
    public var dispatchDecisionTimes: [(seconds: Double, retraining: Bool)] { timings.withLock { $0.samples } }

    /// How long each swap of a retrained model held the loop, seconds. Thread-safe.
    public var modelSwapTimes: [Double] { timings.withLock { $0.swaps } }

    /// Whether a retraining run is in progress on the learning thread. Thread-safe.
    public var isRetraining: Bool { control.withLock { $0.retraining?.isRetraining ?? false } }

    /// The retraining thread's work so far (nil without a log store). Thread-safe.
    public var retrainingStatistics: RetrainingStatistics? {
        control.withLock { $0.retraining?.statistics }
    }

    // MARK: - The loop

    /// Reads the training data: the examples given at init, else the configured files.
    private func examplesReader() -> @Sendable () throws(CoordinatorStartError) -> [LengthExample] {
        let source = source, configuration = configuration, log = log
        return { () throws(CoordinatorStartError) in
            if let examples = source.examples { return examples }
            return try PredictorBootstrap.trainingExamples(configuration, log: log)
        }
    }

    private func fail(_ error: CoordinatorStartError) -> Int32 {
        log(.error, error.description)
        control.withLock { $0.startResult = .failure(error) }
        started.signal()
        return 1
    }

    private func run() -> Int32 {
        let clock = MonotonicClock()
        // The log store and the models come first: the journal thread opens the store and
        // bootstraps there, so its handle never leaves that thread.
        let scheduler: Scheduler
        var storage: ServiceStorage?
        do throws(CoordinatorStartError) {
            let settings: LearningSettings
            do {
                settings = try LearningSettings(configuration)
            } catch {
                throw .trainingData(error.description)
            }
            if let path = configuration.storage.logPath {
                storage = try ServiceStorage(
                    configuration: configuration, path: path, source: source, examples: examplesReader(),
                    settings: settings, clock: clock, log: log)
            } else {
                log(.warning, "no log path: accepted requests are not journalled (a crash loses them) and the models do not retrain")
            }
            if case .given(let given) = source {
                scheduler = given
            } else {
                let models: StartupModels
                if let stored = storage?.startup.models {
                    models = stored
                } else {
                    models = try StartupModels.choose(
                        settings: settings, store: nil, examples: examplesReader(), now: clock.now, log: log)
                }
                do {
                    var built = try PredictorBootstrap.scheduler(configuration, predictor: models.predictor)
                    built.replaceEstimator(models.estimatorModel.makeEstimator())
                    scheduler = built
                } catch {
                    throw .trainingData(error.description)
                }
            }
        } catch {
            return fail(error)
        }
        let sockets: Sockets
        do {
            sockets = try Sockets(configuration: configuration, log: log)
        } catch {
            _ = storage?.close(now: clock.now, timeout: 0) { _, _ in [] }
            return fail(.bind(error))
        }
        control.withLock {
            $0.startResult = .success(sockets.endpoints)
            $0.retraining = storage?.learning
        }
        started.signal()
        log(
            .info,
            "listening: clients \(sockets.endpoints.client), workers \(sockets.endpoints.worker), status \(sockets.endpoints.status); policy \(scheduler.configuration.policy)\(scheduler.uncertainty == nil ? "" : " (uncertainty-aware: calibrated intervals, bounded decoding)"), Φ \(scheduler.configuration.wmaThreshold), \(scheduler.configuration.kvTokenCapacity) KV token slots"
        )

        var runtime = CoordinatorRuntime(configuration: configuration, scheduler: scheduler)
        var poller = ZMQPoller()
        let clientIndex = poller.add(sockets.clients)
        let workerIndex = poller.add(sockets.workers)
        if let storage { poller.add(storage.notify) }
        let parent = ParentWatch()
        var status: Int32 = 0
        do {
            if let storage {
                runtime.restore(storage.startup.answers)
                try perform(runtime.recover(storage.startup.unfinished, now: clock.now), sockets, &runtime, clock, storage)
            }
            while true {
                let now = clock.now
                let control = control.withLock { $0 }
                if control.stopRequested {
                    log(.warning, "stopping without drain")
                    status = 1
                    break
                }
                if !runtime.isDraining && (control.drainRequested || (configuration.exitWithParent && parent.parentIsGone)) {
                    try perform(runtime.beginDrain(now: now), sockets, &runtime, clock, storage)
                }
                try perform(runtime.tick(now: now), sockets, &runtime, clock, storage)
                if let storage {
                    // Retrained models, swapped in between two events; then what the journal committed.
                    for update in storage.learning.mailbox.drain() {
                        let began = clock.now
                        let outputs = runtime.apply(update, now: began)
                        let seconds = clock.now - began
                        timings.withLock { $0.recordSwap(seconds) }
                        try perform(outputs, sockets, &runtime, clock, storage)
                    }
                    var refusals: [CoordinatorOutput] = []
                    let released = storage.committed { ids, reason in
                        let failed = runtime.journalFailed(ids, reason: reason, now: clock.now)
                        refusals += failed.outputs
                        return failed.withdrawn
                    }
                    try send(released, sockets)
                    try perform(refusals, sockets, &runtime, clock, storage)
                    try send(storage.flush(now: clock.now), sockets)
                }
                if runtime.isStopped { break }

                let timeout = Int((runtime.suggestedTickInterval * 1000).rounded(.up))
                for ready in try poller.poll(timeoutMilliseconds: timeout) {
                    // Take a bounded burst from each socket so neither starves the other or the timers.
                    for _ in 0..<512 {
                        guard ready.index == clientIndex || ready.index == workerIndex else { break }
                        guard let frames = try ready.socket.receive(dontWait: true) else { break }
                        let now = clock.now
                        switch ready.index {
                        case clientIndex: try perform(runtime.receiveClient(frames, now: now), sockets, &runtime, clock, storage)
                        case workerIndex:
                            let outputs = runtime.receiveWorker(frames, now: now)
                            if outputs.contains(where: \.isBatch) {
                                let seconds = clock.now - now
                                let retraining = storage?.learning.isRetraining ?? false
                                timings.withLock { $0.record(seconds, retraining: retraining) }
                            }
                            try perform(outputs, sockets, &runtime, clock, storage)
                        default: break
                        }
                    }
                }
            }
        } catch {
            log(.error, "service loop failed: \(error)")
            status = 1
        }
        if let storage {
            // Commit what is held and send the replies it releases (withdrawn accepts get their error).
            var refusals: [HeldReplies.Reply] = []
            let released = storage.close(now: clock.now, timeout: 10) { ids, reason in
                let failed = runtime.journalFailed(ids, reason: reason, now: clock.now)
                refusals += failed.outputs.compactMap { if case .client(let envelope, let reply) = $0 { (envelope, reply) } else { nil } }
                return failed.withdrawn
            }
            try? send(released + refusals, sockets)
        }
        let final = runtime.snapshot(now: clock.now)
        log(
            .info,
            "stopped: \(final.completed) results, \(final.failed) failures, \(runtime.pendingCount) unanswered, \(final.workersLost) workers lost"
        )
        sockets.close()
        return status
    }

    /// Sends, publishes and logs what the runtime asked for. A worker found unreachable is
    /// reported back to the runtime (its batch is requeued). With a journal, records and
    /// client replies are held until the iteration's records are committed.
    private func perform(
        _ outputs: [CoordinatorOutput], _ sockets: Sockets, _ runtime: inout CoordinatorRuntime, _ clock: MonotonicClock,
        _ storage: ServiceStorage?
    ) throws(ZMQError) {
        var work = outputs[...]
        while let output = work.popFirst() {
            switch output {
            case .log(let level, let message):
                log(level, message)
            case .status(let message):
                _ = try sockets.status.send(message.frames, dontWait: true)
            case .client(let envelope, let reply):
                if let storage {
                    storage.hold(reply, to: envelope)
                } else {
                    try send([(envelope, reply)], sockets)
                }
            case .journal(let record):
                storage?.hold(record)
            case .worker(let routingID, let directive):
                do throws(ZMQError) {
                    if try !sockets.workers.send([routingID.bytes, directive.payload], dontWait: true) {
                        throw ZMQError.hostUnreachable
                    }
                } catch let error where error == .hostUnreachable {
                    work = (runtime.workerUnreachable(routingID, now: clock.now) + work)[...]
                }
            }
        }
    }

    /// Sends client replies (the runtime gives none for a recovered request nobody has asked
    /// about yet: that answer is kept only in the finished answers).
    private func send(_ replies: [HeldReplies.Reply], _ sockets: Sockets) throws(ZMQError) {
        for (envelope, reply) in replies {
            do throws(ZMQError) {
                if try !sockets.clients.send(envelope.frames + [reply.payload], dontWait: true) {
                    log(.warning, "client \(envelope.client) is not reading; dropped a \(reply.type) reply")
                }
            } catch let error where error == .hostUnreachable {
                log(.debug, "client \(envelope.client) is gone; dropped a \(reply.type) reply")
            }
        }
    }

    /// The three sockets, bound; closed with a short linger so final replies get out.
    private final class Sockets {
        let context: ZMQContext
        let clients: ZMQSocket
        let workers: ZMQSocket
        let status: ZMQSocket
        let endpoints: CoordinatorEndpoints
        /// Checks CURVE handshakes when the configuration turns authentication on.
        let authenticator: ZAPHandler?

        init(configuration: CoordinatorConfiguration, log: ServiceLog) throws(BindError) {
            func make<T>(_ role: String, _ endpoint: String, _ body: () throws(ZMQError) -> T) throws(BindError) -> T {
                do {
                    return try body()
                } catch {
                    throw BindError(role: role, endpoint: endpoint, error: error)
                }
            }
            do {
                context = try ZMQContext()
            } catch {
                throw BindError(role: "context", endpoint: "", error: error)
            }
            let context = context
            // The ZAP handler goes first: a CURVE socket bound before it would let peers in unchecked.
            let security: CoordinatorSecurity?
            do {
                security = try CoordinatorSecurity.load(configuration)
            } catch {
                throw BindError(role: "authentication", endpoint: error.path, error: .invalidArgument, detail: error.description)
            }
            let authenticator = try security.map { security throws(BindError) in
                let audit = AuthenticationLog(log: log)
                log(.info, security.summary)
                return try make("authentication", ZAPRequest.endpoint) { () throws(ZMQError) in
                    try ZAPHandler(context: context) { audit.authorize($0, with: security) }
                }
            }
            func router(_ role: SecuredSocket, _ endpoint: String, maxMessageSize: Int) throws(BindError) -> ZMQSocket {
                try make(role == .clients ? "client" : "worker", endpoint) { () throws(ZMQError) in
                    let socket = try context.socket(.router, linger: 1000)
                    try security?.secure(socket, as: role)
                    try socket.setRouterMandatory(true)
                    try socket.setMaxMessageSize(maxMessageSize)
                    try socket.setSendHighWaterMark(100_000)
                    try socket.setReceiveHighWaterMark(100_000)
                    try socket.bind(endpoint)
                    return socket
                }
            }
            self.authenticator = authenticator
            do {
                clients = try router(.clients, configuration.clientEndpoint, maxMessageSize: configuration.clientFrameLimit)
                workers = try router(.workers, configuration.workerEndpoint, maxMessageSize: WireProtocol.transportMessageLimit)
                status = try make("status", configuration.statusEndpoint) { () throws(ZMQError) in
                    let socket = try context.socket(.pub, linger: 0)
                    try security?.secure(socket, as: .status)
                    try socket.bind(configuration.statusEndpoint)
                    return socket
                }
            } catch {
                authenticator?.stop()
                throw error
            }
            let clients = clients, workers = workers, status = status
            endpoints = CoordinatorEndpoints(
                client: ((try? clients.lastEndpoint) ?? nil) ?? configuration.clientEndpoint,
                worker: ((try? workers.lastEndpoint) ?? nil) ?? configuration.workerEndpoint,
                status: ((try? status.lastEndpoint) ?? nil) ?? configuration.statusEndpoint)
        }

        func close() {
            clients.close()
            workers.close()
            status.close()
            authenticator?.stop()
        }
    }
}
