import Coordinator
import Dispatch
import Foundation
import Shared
import Synchronization
import Transport

/// The coordinator process's real-time shell: one dedicated thread owns the client ROUTER,
/// the worker ROUTER and the status PUB, polls them, stamps every event with a monotonic clock
/// and drives a `CoordinatorRuntime`, performing what it returns.
///
/// `start()` binds the sockets and returns once they are bound; `drain()` (from any thread,
/// e.g. a signal handler) begins a graceful drain; `wait()` blocks until the loop has ended.
public final class CoordinatorService: Sendable {
    public let configuration: CoordinatorConfiguration
    private let scheduler: Scheduler
    private let log: ServiceLog
    private let control = Mutex(Control())
    private let started = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    private struct Control {
        var drainRequested = false
        var stopRequested = false
        var startResult: Result<CoordinatorEndpoints, BindError>?
        var exitStatus: Int32?
    }

    /// - Parameters:
    ///   - configuration: validated settings.
    ///   - scheduler: the core, built by `PredictorBootstrap.scheduler`.
    public init(configuration: CoordinatorConfiguration, scheduler: Scheduler, log: ServiceLog) {
        self.configuration = configuration
        self.scheduler = scheduler
        self.log = log
    }

    /// Binds the sockets on the service thread and starts its loop.
    /// - Returns: the bound endpoints.
    /// - Throws: `BindError` when an endpoint cannot be bound (malformed, in use...).
    public func start() throws(BindError) -> CoordinatorEndpoints {
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

    // MARK: - The loop

    private func run() -> Int32 {
        let clock = MonotonicClock()
        let sockets: Sockets
        do {
            sockets = try Sockets(configuration: configuration, log: log)
        } catch {
            log(.error, error.description)
            control.withLock { $0.startResult = .failure(error) }
            started.signal()
            return 1
        }
        control.withLock { $0.startResult = .success(sockets.endpoints) }
        started.signal()
        log(
            .info,
            "listening: clients \(sockets.endpoints.client), workers \(sockets.endpoints.worker), status \(sockets.endpoints.status); policy \(scheduler.configuration.policy), Φ \(scheduler.configuration.wmaThreshold), \(scheduler.configuration.kvTokenCapacity) KV token slots"
        )

        var runtime = CoordinatorRuntime(configuration: configuration, scheduler: scheduler)
        var poller = ZMQPoller()
        let clientIndex = poller.add(sockets.clients)
        let workerIndex = poller.add(sockets.workers)
        let parent = ParentWatch()
        var status: Int32 = 0
        do {
            while true {
                let now = clock.now
                let control = control.withLock { $0 }
                if control.stopRequested {
                    log(.warning, "stopping without drain")
                    status = 1
                    break
                }
                if !runtime.isDraining && (control.drainRequested || (configuration.exitWithParent && parent.parentIsGone)) {
                    try perform(runtime.beginDrain(now: now), sockets, &runtime, clock)
                }
                try perform(runtime.tick(now: now), sockets, &runtime, clock)
                if runtime.isStopped { break }

                let timeout = Int((runtime.suggestedTickInterval * 1000).rounded(.up))
                for ready in try poller.poll(timeoutMilliseconds: timeout) {
                    // Take a bounded burst from each socket so neither starves the other or the timers.
                    for _ in 0..<512 {
                        guard let frames = try ready.socket.receive(dontWait: true) else { break }
                        let now = clock.now
                        switch ready.index {
                        case clientIndex: try perform(runtime.receiveClient(frames, now: now), sockets, &runtime, clock)
                        case workerIndex: try perform(runtime.receiveWorker(frames, now: now), sockets, &runtime, clock)
                        default: break
                        }
                    }
                }
            }
        } catch {
            log(.error, "service loop failed: \(error)")
            status = 1
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
    /// reported back to the runtime (its batch is requeued).
    private func perform(
        _ outputs: [CoordinatorOutput], _ sockets: Sockets, _ runtime: inout CoordinatorRuntime, _ clock: MonotonicClock
    ) throws(ZMQError) {
        var work = outputs[...]
        while let output = work.popFirst() {
            switch output {
            case .log(let level, let message):
                log(level, message)
            case .status(let message):
                _ = try sockets.status.send(message.frames, dontWait: true)
            case .client(let envelope, let reply):
                do throws(ZMQError) {
                    if try !sockets.clients.send(envelope + [reply.payload], dontWait: true) {
                        log(.warning, "client \(CoordinatorRuntime.name(envelope[0])) is not reading; dropped a \(reply.type) reply")
                    }
                } catch let error where error == .hostUnreachable {
                    log(.debug, "client \(CoordinatorRuntime.name(envelope[0])) is gone; dropped a \(reply.type) reply")
                }
            case .worker(let routingID, let directive):
                do throws(ZMQError) {
                    if try !sockets.workers.send([routingID, directive.payload], dontWait: true) {
                        throw ZMQError.hostUnreachable
                    }
                } catch let error where error == .hostUnreachable {
                    work = (runtime.workerUnreachable(routingID, now: clock.now) + work)[...]
                }
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
