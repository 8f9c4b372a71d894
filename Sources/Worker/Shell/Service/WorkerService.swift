import ServiceSupport
import Shared
import Transport
import Worker

/// The worker process's real-time shell: one thread owns the DEALER to the coordinator and
/// drives a `WorkerSession`; a second thread runs batches on the engine (and waits out a
/// simulated engine's scaled duration), so heartbeats keep flowing while a batch runs. The
/// loop hands the engine thread typed jobs (`EngineJob`) over a `ThreadChannel`; the engine
/// thread hands back its reports over another and wakes the loop's poll with a byte on an
/// inproc PAIR, each thread owning its end. With a continuous engine the engine thread owns
/// that engine: it admits what the loop hands it and runs step after step while anything
/// runs, waiting out each simulated step and posting its reports.
public final class WorkerService: Sendable {
    public let configuration: WorkerConfiguration
    private let engine: any InferenceEngine
    private let continuousEngine: (any ContinuousEngine)?
    private let log: ServiceLog
    /// The socket loop: it reports once its end of the wake PAIR is bound, and returns the exit status.
    private let loop = ServiceThread<Void, Int32>(name: "magnus-worker-loop")
    /// The engine thread: runs the batches the loop sends, until `.stop`.
    private let runner = ServiceThread<Void, Void>(name: "magnus-worker-engine")
    /// From the loop to the engine thread.
    private let jobs = ThreadChannel<EngineJob>()
    /// From the engine thread to the loop: each finished batch's `result`, `oom` or `fault`.
    private let reports = ThreadChannel<EngineReport>()
    /// The PAIR on which the engine thread wakes the loop after posting a report.
    private static let wakeEndpoint = "inproc://magnus-worker-runner"

    public init(
        configuration: WorkerConfiguration, engine: any InferenceEngine, continuousEngine: (any ContinuousEngine)? = nil,
        log: ServiceLog
    ) {
        self.configuration = configuration
        self.engine = engine
        self.continuousEngine = continuousEngine
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
        loop.start { [self] thread in runLoop(thread, context: context) }
        // The engine thread connects to the wake PAIR once the loop has bound it (or ended).
        _ = loop.waitForStart()
        runner.start { [self] _ in
            if let continuousEngine { runContinuous(continuousEngine, context: context) } else { runBatches(context: context) }
        }
    }

    /// Stops asking for work; exits after the running batch is reported (or the drain timeout).
    public func drain() { loop.requestDrain() }

    /// Exits at once (a running batch is abandoned; the coordinator requeues it).
    public func stop() { loop.requestStop() }

    /// Blocks until the service has ended; returns the process exit status.
    public func wait() -> Int32 {
        if case .returned(let status)? = loop.join() { return status }
        return 1
    }

    // MARK: - Protocol loop

    /// The loop thread's body: bind the wake PAIR, connect the DEALER, serve the session.
    /// However it ends, the engine thread is told to stop.
    private func runLoop(_ thread: ServiceThread<Void, Int32>, context: ZMQContext) -> Int32 {
        defer { jobs.send(.stop) }
        do {
            let wake = try context.socket(.pair, linger: 0)
            defer { wake.close() }
            try wake.bind(Self.wakeEndpoint)
            thread.reportStarted()
            let dealer = try connect(context)
            defer { dealer.close() }
            return try serve(thread, dealer: dealer, wake: wake)
        } catch {
            log(.error, "worker loop failed: \(error)")
            return 1
        }
    }

    /// The DEALER to the coordinator, connected (it reconnects on its own).
    private func connect(_ context: ZMQContext) throws(ZMQError) -> ZMQSocket {
        let dealer = try context.socket(.dealer, linger: 2000)
        do {
            try dealer.setRoutingID(configuration.id)
            try configuration.curve?.apply(to: dealer)
            try dealer.setMaxMessageSize(WireProtocol.transportMessageLimit)
            try dealer.setReconnectInterval(milliseconds: 200)
            try dealer.connect(configuration.coordinatorEndpoint)
        } catch {
            dealer.close()
            throw error
        }
        let mode = continuousEngine.map { "continuous, up to \($0.capabilities.continuous?.maxRunning ?? 0) sequences" } ?? "static batches"
        log(
            .info,
            "worker \(configuration.id) (\(capabilities.gpu), \(capabilities.model), \(capabilities.kvTokenCapacity) KV token slots, \(mode)) connecting to \(configuration.coordinatorEndpoint)"
        )
        return dealer
    }

    /// Polls the DEALER and the wake PAIR and drives the session until it is over (0) or a
    /// stop is asked for (1, after a goodbye).
    private func serve(_ thread: ServiceThread<Void, Int32>, dealer: ZMQSocket, wake: ZMQSocket) throws(ZMQError)
        -> Int32
    {
        let clock = MonotonicClock()
        let parent = ParentWatch()
        var session = WorkerSession(
            worker: WorkerID(configuration.id), capabilities: capabilities,
            heartbeatInterval: configuration.heartbeatInterval, helloRetry: configuration.helloRetry,
            drainTimeout: configuration.drainTimeout)
        var poller = ZMQPoller()
        let dealerIndex = poller.add(dealer)
        poller.add(wake)
        var done = try perform(session.start(now: clock.now), dealer)
        while !done {
            if thread.isStopRequested {
                _ = try dealer.send([WorkerMessage.goodbye(GoodbyeMessage(reason: "stopped")).payload], dontWait: true)
                return 1
            }
            let now = clock.now
            if thread.isDrainRequested || (configuration.exitWithParent && parent.parentIsGone) {
                done = try perform(session.beginDrain(now: now), dealer)
                if done { break }
            }
            done = try perform(session.tick(now: now), dealer)
            if done { break }
            let timeout = Int((min(session.nextTick(now: clock.now), 0.1) * 1000).rounded(.up))
            for ready in try poller.poll(timeoutMilliseconds: timeout) where !done {
                if ready.index == dealerIndex {
                    done = try receiveMessages(dealer, &session, clock)
                } else {
                    done = try receiveReports(wake, &session, dealer, clock)
                }
            }
        }
        return 0
    }

    /// Hands the coordinator's messages to the session; true when the session is over.
    private func receiveMessages(_ dealer: ZMQSocket, _ session: inout WorkerSession, _ clock: MonotonicClock)
        throws(ZMQError) -> Bool
    {
        while let frames = try dealer.receive(dontWait: true) {
            if try perform(session.received(frames.last ?? [], now: clock.now), dealer) { return true }
        }
        return false
    }

    /// Hands the engine thread's reports to the session (the bytes on the wake PAIR only
    /// announce them); true when the session is over.
    private func receiveReports(
        _ wake: ZMQSocket, _ session: inout WorkerSession, _ dealer: ZMQSocket, _ clock: MonotonicClock
    ) throws(ZMQError) -> Bool {
        while try wake.receive(dontWait: true) != nil {}
        for report in reports.takeAll() {
            let actions: [WorkerSession.Action]
            switch report {
            case .finished(let message): actions = session.finished(message, now: clock.now)
            case .stepped(let step): actions = session.stepped(step, now: clock.now)
            case .admissionFailed(let batch, let message, let room):
                actions = session.admissionFailed(batch, message: message, room: room, now: clock.now)
            }
            if try perform(actions, dealer) { return true }
        }
        return false
    }

    /// Performs session actions; returns true when the session is over.
    private func perform(_ actions: [WorkerSession.Action], _ dealer: ZMQSocket) throws(ZMQError) -> Bool {
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
                jobs.send(.run(batch))
            case .admit(let admission):
                jobs.send(.admit(admission))
            case .log(let level, let message):
                log(level, message)
            case .exit:
                done = true
            }
        }
        return done
    }

    // MARK: - Engine thread

    /// Takes jobs from the loop, runs each batch, waits out simulated time (a job meanwhile
    /// can only be `.stop`, which ends the thread), posts the report and wakes the loop.
    private func runBatches(context: ZMQContext) {
        do throws(ZMQError) {
            let wake = try context.socket(.pair, linger: 0)
            defer { wake.close() }
            try wake.connect(Self.wakeEndpoint)
            let clock = MonotonicClock()
            while case .run(let batch)? = jobs.receive() {
                let start = clock.now
                let (report, wait) = BatchExecution.run(batch, on: engine, timeScale: configuration.timeScale)
                let left = start + wait - clock.now
                if left > 0, jobs.receive(timeout: left) != nil { return }  // .stop
                reports.send(.finished(report))
                _ = try wake.send([[1]], dontWait: true)
            }
        } catch where error == .contextTerminated {
            return
        } catch {
            log(.error, "engine thread failed: \(error)")
        }
    }

    /// The continuous engine's thread: admissions join as they come; while anything runs,
    /// one step after another, each simulated step waited out (admissions arriving meanwhile
    /// join the next step) and its reports posted; idle, it blocks for the next job.
    private func runContinuous(_ initial: any ContinuousEngine, context: ZMQContext) {
        var engine = initial
        do throws(ZMQError) {
            let wake = try context.socket(.pair, linger: 0)
            defer { wake.close() }
            try wake.connect(Self.wakeEndpoint)
            let clock = MonotonicClock()
            func post(_ report: EngineReport) throws(ZMQError) {
                reports.send(report)
                _ = try wake.send([[1]], dontWait: true)
            }
            /// Applies one job; false for `.stop`.
            func take(_ job: EngineJob) throws(ZMQError) -> Bool {
                switch job {
                case .stop: return false
                case .admit(let admission), .run(let admission):
                    do throws(EngineError) {
                        try engine.admit(admission)
                    } catch {
                        try post(.admissionFailed(admission.batchID, error.description, engine.room))
                    }
                    return true
                }
            }
            while true {
                if engine.isIdle {
                    guard let job = jobs.receive(), try take(job) else { return }
                    continue
                }
                let start = clock.now
                let step: ContinuousStep
                do throws(EngineError) {
                    step = try engine.step()
                } catch {
                    log(.error, "continuous engine step failed: \(error.description)")
                    return
                }
                let end = start + (engine.isSimulated ? max(0, step.duration) / configuration.timeScale : 0)
                while clock.now < end {
                    guard let job = jobs.receive(timeout: end - clock.now) else { break }
                    guard try take(job) else { return }
                }
                try post(.stepped(step))
            }
        } catch where error == .contextTerminated {
            return
        } catch {
            log(.error, "engine thread failed: \(error)")
        }
    }

    /// What the worker announces: the continuous engine's capabilities when it has one.
    private var capabilities: WorkerCapabilities { continuousEngine?.capabilities ?? engine.capabilities }
}
