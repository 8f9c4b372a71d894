import Dispatch
import Foundation
import ServiceSupport
import Shared
import Synchronization
import Transport
import Worker

/// The worker process's real-time shell: one thread owns the DEALER to the coordinator and
/// drives a `WorkerSession`; a second thread runs batches on the engine (and waits out a
/// simulated engine's scaled duration), so heartbeats keep flowing while a batch runs. The
/// two threads talk over an inproc PAIR, each owning its end.
public final class WorkerService: Sendable {
    public let configuration: WorkerConfiguration
    private let engine: any InferenceEngine
    private let log: ServiceLog
    private let control = Mutex(Control())
    private let finished = DispatchSemaphore(value: 0)

    private struct Control {
        var drainRequested = false
        var stopRequested = false
        var exitStatus: Int32?
    }

    public init(configuration: WorkerConfiguration, engine: any InferenceEngine, log: ServiceLog) {
        self.configuration = configuration
        self.engine = engine
        self.log = log
    }

    /// Starts the service threads; the worker connects and says hello on its own.
    /// - Throws: `ZMQError` for a malformed endpoint.
    public func start() throws(ZMQError) {
        let context = try ZMQContext()
        // Fail fast on a malformed endpoint, before any thread starts.
        let probe = try context.socket(.dealer)
        try probe.connect(configuration.coordinatorEndpoint)
        probe.close()
        let pairEndpoint = "inproc://magnus-worker-runner"
        let ready = DispatchSemaphore(value: 0)
        let loop = Thread { [self] in
            let status = runLoop(context: context, pairEndpoint: pairEndpoint, bound: ready)
            control.withLock { $0.exitStatus = status }
            finished.signal()
        }
        loop.name = "magnus-worker-loop"
        loop.start()
        ready.wait()
        let runner = Thread { [self] in runBatches(context: context, pairEndpoint: pairEndpoint) }
        runner.name = "magnus-worker-engine"
        runner.start()
    }

    /// Stops asking for work; exits after the running batch is reported (or the drain timeout).
    public func drain() { control.withLock { $0.drainRequested = true } }

    /// Exits at once (a running batch is abandoned; the coordinator requeues it).
    public func stop() { control.withLock { $0.stopRequested = true } }

    /// Blocks until the service has ended; returns the process exit status.
    public func wait() -> Int32 {
        finished.wait()
        finished.signal()
        return control.withLock { $0.exitStatus ?? 1 }
    }

    // MARK: - Protocol loop

    private func runLoop(context: ZMQContext, pairEndpoint: String, bound: DispatchSemaphore) -> Int32 {
        let clock = MonotonicClock()
        var session = WorkerSession(
            worker: WorkerID(configuration.id), capabilities: engine.capabilities,
            heartbeatInterval: configuration.heartbeatInterval, helloRetry: configuration.helloRetry,
            drainTimeout: configuration.drainTimeout)
        let parent = ParentWatch()
        var status: Int32 = 0
        do {
            let runner = try context.socket(.pair, linger: 0)
            try runner.bind(pairEndpoint)
            bound.signal()
            let dealer = try context.socket(.dealer, linger: 2000)
            try dealer.setRoutingID(configuration.id)
            try configuration.curve?.apply(to: dealer)
            try dealer.setMaxMessageSize(WireProtocol.transportMessageLimit)
            try dealer.setReconnectInterval(milliseconds: 200)
            try dealer.connect(configuration.coordinatorEndpoint)
            log(
                .info,
                "worker \(configuration.id) (\(engine.capabilities.gpu), \(engine.capabilities.model), \(engine.capabilities.kvTokenCapacity) KV token slots) connecting to \(configuration.coordinatorEndpoint)"
            )
            var poller = ZMQPoller()
            let dealerIndex = poller.add(dealer)
            poller.add(runner)

            var done = try perform(session.start(now: clock.now), dealer, runner)
            while !done {
                let control = control.withLock { $0 }
                if control.stopRequested {
                    _ = try dealer.send([WorkerMessage.goodbye(GoodbyeMessage(reason: "stopped")).payload], dontWait: true)
                    status = 1
                    break
                }
                let now = clock.now
                if control.drainRequested || (configuration.exitWithParent && parent.parentIsGone) {
                    done = try perform(session.beginDrain(now: now), dealer, runner)
                    if done { break }
                }
                done = try perform(session.tick(now: now), dealer, runner)
                if done { break }
                let timeout = Int((min(session.nextTick(now: clock.now), 0.1) * 1000).rounded(.up))
                for ready in try poller.poll(timeoutMilliseconds: timeout) {
                    while !done, let frames = try ready.socket.receive(dontWait: true) {
                        let now = clock.now
                        if ready.index == dealerIndex {
                            done = try perform(session.received(frames.last ?? [], now: now), dealer, runner)
                        } else {
                            do {
                                let report = try WorkerMessage.decode(frames.last ?? [])
                                done = try perform(session.finished(report, now: now), dealer, runner)
                            } catch {
                                log(.error, "bad report from the engine thread: \(error)")
                            }
                        }
                    }
                }
            }
            _ = try? runner.send([Array("stop".utf8)], dontWait: true)
            runner.close()
            dealer.close()
        } catch {
            log(.error, "worker loop failed: \(error)")
            bound.signal()
            status = 1
        }
        return status
    }

    /// Performs session actions; returns true when the session is over.
    private func perform(_ actions: [WorkerSession.Action], _ dealer: ZMQSocket, _ runner: ZMQSocket) throws(ZMQError) -> Bool {
        var done = false
        for action in actions {
            switch action {
            case .send(let message):
                // The DEALER queues while the coordinator is away and delivers on reconnect;
                // a full queue drops (heartbeats are repeated, hellos retried).
                if try !dealer.send([message.payload], dontWait: true) {
                    log(.debug, "send queue full; dropped a message")
                }
            case .run(let batch):
                try runner.send([Array("run".utf8), WireCodec.encode(batch)])
            case .log(let level, let message):
                log(level, message)
            case .exit:
                done = true
            }
        }
        return done
    }

    // MARK: - Engine thread

    /// Receives batches over the PAIR, runs them, waits out simulated time (interruptible by
    /// "stop"), and sends the report back.
    private func runBatches(context: ZMQContext, pairEndpoint: String) {
        do {
            let pair = try context.socket(.pair, linger: 0)
            defer { pair.close() }
            try pair.connect(pairEndpoint)
            let clock = MonotonicClock()
            while let frames = try pair.receive() {
                guard frames.first == Array("run".utf8), frames.count == 2 else { return }
                let batch = try WireCodec.body(BatchMessage.self, from: frames[1])
                let start = clock.now
                let (report, wait) = BatchExecution.run(batch, on: engine, timeScale: configuration.timeScale)
                let deadline = start + wait
                var poller = ZMQPoller()
                poller.add(pair)
                while clock.now < deadline {
                    let left = Int(((deadline - clock.now) * 1000).rounded(.up))
                    if try !poller.poll(timeoutMilliseconds: max(0, left)).isEmpty { return }  // "stop"
                }
                try pair.send([report.payload])
            }
        } catch let error as ZMQError where error == .contextTerminated {
            return
        } catch {
            log(.error, "engine thread failed: \(error)")
        }
    }
}
