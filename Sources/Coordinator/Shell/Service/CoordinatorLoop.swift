import Coordinator
import ServiceSupport
import Shared
import Transport

/// The coordinator service thread's loop, cut into its steps: load (the log store and the
/// models) and bind the sockets (`open`), recover the journal's unfinished requests, then
/// poll iterations (requests from the service, timers, retrained models, journal commits,
/// then a bounded burst from each socket), performing what the runtime returns; at the end,
/// shut down (commit what is held, send what that releases, close the sockets).
///
/// Owned by the service thread (not `Sendable`): the sockets and the runtime never leave it.
final class CoordinatorLoop {
    /// Where the sockets were bound.
    var endpoints: CoordinatorEndpoints { sockets.endpoints }
    /// The retraining thread, when there is a log store.
    var learning: RetrainingLoop? { storage?.learning }

    private let configuration: CoordinatorConfiguration
    private let sockets: CoordinatorSockets
    private let storage: ServiceStorage?
    private let clock: MonotonicClock
    private let log: ServiceLog
    /// Records into the service's dispatch timings (under its lock).
    private let timings: (_ update: (inout DispatchTimings) -> Void) -> Void
    private let parent = ParentWatch()
    private var runtime: CoordinatorRuntime
    private var poller = ZMQPoller()
    /// Client replies that could not be sent at once, held for a later try.
    private var outbound = OutboundQueue()
    private var nextOutboundRetry = 0.0
    private var nextDeliverySummary = 0.0
    private let clientIndex: Int
    private let workerIndex: Int

    private init(
        configuration: CoordinatorConfiguration, scheduler: Scheduler, sockets: CoordinatorSockets,
        storage: ServiceStorage?, clock: MonotonicClock, log: ServiceLog,
        timings: @escaping (_ update: (inout DispatchTimings) -> Void) -> Void
    ) {
        self.configuration = configuration
        self.sockets = sockets
        self.storage = storage
        self.clock = clock
        self.log = log
        self.timings = timings
        var settings = configuration.runtimeSettings
        settings.incarnation = Self.newIncarnation()
        runtime = CoordinatorRuntime(settings: settings, scheduler: scheduler)
        clientIndex = poller.add(sockets.clients)
        workerIndex = poller.add(sockets.workers)
        if let storage { poller.add(storage.notify) }
    }

    // MARK: - Start-up

    /// A random incarnation id for this start: 16 hex digits.
    static func newIncarnation() -> String {
        let digits = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Loads the log store and the models, then binds the sockets.
    /// - Parameters:
    ///   - examples: reads the training data (the examples given to the service, else the
    ///     configured files).
    ///   - timings: records into the service's dispatch timings.
    /// - Throws: `CoordinatorStartError`; what was opened is closed again.
    static func open(
        configuration: CoordinatorConfiguration, source: ModelSource,
        examples: @escaping @Sendable () throws(CoordinatorStartError) -> [LengthExample], clock: MonotonicClock,
        log: ServiceLog, timings: @escaping (_ update: (inout DispatchTimings) -> Void) -> Void
    ) throws(CoordinatorStartError) -> CoordinatorLoop {
        let settings = try learningSettings(configuration)
        // The log store and the models come first: the journal thread opens the store and
        // bootstraps there, so its handle never leaves that thread.
        let storage = try openStorage(
            configuration, source: source, examples: examples, settings: settings, clock: clock, log: log)
        let scheduler: Scheduler
        let sockets: CoordinatorSockets
        do throws(CoordinatorStartError) {
            scheduler = try loadScheduler(
                configuration, source: source, storage: storage, examples: examples, settings: settings, clock: clock,
                log: log)
            do {
                sockets = try CoordinatorSockets(configuration: configuration, log: log)
            } catch {
                throw .bind(error)
            }
        } catch {
            _ = storage?.close(now: clock.now, timeout: 0) { _, _ in [] }
            throw error
        }
        return CoordinatorLoop(
            configuration: configuration, scheduler: scheduler, sockets: sockets, storage: storage, clock: clock,
            log: log, timings: timings)
    }

    /// Opens the log store on its journal thread (bootstrapping the models there), or warns
    /// that there is none.
    private static func openStorage(
        _ configuration: CoordinatorConfiguration, source: ModelSource,
        examples: @escaping @Sendable () throws(CoordinatorStartError) -> [LengthExample], settings: LearningSettings,
        clock: MonotonicClock, log: ServiceLog
    ) throws(CoordinatorStartError) -> ServiceStorage? {
        guard let path = configuration.storage.logPath else {
            log(.warning, "no log path: accepted requests are not journalled (a crash loses them) and the models do not retrain")
            return nil
        }
        return try ServiceStorage(
            configuration: configuration, path: path, source: source, examples: examples,
            settings: settings, clock: clock, log: log)
    }

    /// The scheduler: the given one, else one over the stored models, else over models
    /// chosen from the training data, logged data or the prior.
    private static func loadScheduler(
        _ configuration: CoordinatorConfiguration, source: ModelSource, storage: ServiceStorage?,
        examples: @escaping @Sendable () throws(CoordinatorStartError) -> [LengthExample], settings: LearningSettings,
        clock: MonotonicClock, log: ServiceLog
    ) throws(CoordinatorStartError) -> Scheduler {
        if case .given(let given) = source { return given }
        let models: StartupModels
        if let stored = storage?.startup.models {
            models = stored
        } else {
            models = try StartupModels.choose(
                settings: settings, store: nil, examples: examples, now: clock.now, log: log)
        }
        do {
            var built = try PredictorBootstrap.scheduler(configuration, predictor: models.predictor)
            built.replaceEstimator(models.estimatorModel.makeEstimator())
            return built
        } catch {
            throw .trainingData(error.description)
        }
    }

    private static func learningSettings(_ configuration: CoordinatorConfiguration) throws(CoordinatorStartError)
        -> LearningSettings
    {
        do {
            return try LearningSettings(configuration)
        } catch {
            throw .trainingData(error.description)
        }
    }

    // MARK: - Running

    /// Recovers, then runs poll iterations until the runtime stops (a finished drain) or
    /// `thread` asks for a stop; then shuts down.
    /// - Returns: the process exit status: 0 after a drain, 1 after a stop or a failure.
    func run<Started>(_ thread: ServiceThread<Started, Int32>) -> Int32 {
        logListening()
        let status: Int32
        do {
            try recover()
            status = try iterateUntilOver(thread)
        } catch {
            log(.error, "service loop failed: \(error)")
            status = 1
        }
        shutDown()
        return status
    }

    private func logListening() {
        let scheduler = runtime.scheduler
        log(
            .info,
            "listening: clients \(endpoints.client) (incarnation \(runtime.settings.incarnation ?? "none")), workers \(endpoints.worker), status \(endpoints.status); policy \(scheduler.configuration.policy)\(scheduler.uncertainty == nil ? "" : " (uncertainty-aware: calibrated intervals, bounded decoding)"), Φ \(scheduler.configuration.wmaThreshold), \(scheduler.configuration.kvTokenCapacity) KV token slots"
        )
    }

    /// Answers finished ids from the store and queues its unfinished requests again.
    private func recover() throws(ZMQError) {
        guard let storage else { return }
        runtime.restore(storage.startup.answers)
        try perform(runtime.recover(storage.startup.unfinished, now: clock.now))
    }

    private func iterateUntilOver<Started>(_ thread: ServiceThread<Started, Int32>) throws(ZMQError) -> Int32 {
        while true {
            if let status = try iterate(thread) { return status }
        }
    }

    /// One poll iteration.
    /// - Returns: the exit status when the loop is over, nil to go on.
    private func iterate<Started>(_ thread: ServiceThread<Started, Int32>) throws(ZMQError) -> Int32? {
        let now = clock.now
        if thread.isStopRequested {
            log(.warning, "stopping without drain")
            return 1
        }
        try drainIfAsked(thread, now: now)
        try perform(runtime.tick(now: now))
        try exchangeWithStorage()
        try retryHeldReplies(now: now)
        if runtime.isStopped { return 0 }
        let timeout = Int((runtime.suggestedTickInterval * 1000).rounded(.up))
        for ready in try poller.poll(timeoutMilliseconds: timeout) {
            try receive(from: ready)
        }
        return nil
    }

    /// Begins the drain once the service asks for it, or the parent process is gone (with
    /// `exitWithParent`).
    private func drainIfAsked<Started>(_ thread: ServiceThread<Started, Int32>, now: Double) throws(ZMQError) {
        guard !runtime.isDraining else { return }
        if thread.isDrainRequested || (configuration.exitWithParent && parent.parentIsGone) {
            try perform(runtime.beginDrain(now: now))
        }
    }

    /// Swaps in retrained models (between two events), releases the replies of what the
    /// journal committed, and hands this iteration's records to the journal.
    private func exchangeWithStorage() throws(ZMQError) {
        guard let storage else { return }
        for update in storage.learning.mailbox.drain() {
            let began = clock.now
            let outputs = runtime.apply(update, now: began)
            let seconds = clock.now - began
            timings { $0.recordSwap(seconds) }
            try perform(outputs)
        }
        var refusals: [CoordinatorOutput] = []
        let released = storage.committed { ids, reason in
            let failed = runtime.journalFailed(ids, reason: reason, now: clock.now)
            refusals += failed.outputs
            return failed.withdrawn
        }
        try send(released)
        try perform(refusals)
        try send(storage.flush(now: clock.now))
    }

    /// Takes a bounded burst from a ready client or worker socket, so neither starves the
    /// other or the timers (the journal's notification socket is read by `committed`).
    private func receive(from ready: ZMQPoller.Ready) throws(ZMQError) {
        guard ready.index == clientIndex || ready.index == workerIndex else { return }
        for _ in 0..<512 {
            guard let frames = try ready.socket.receive(dontWait: true) else { break }
            let now = clock.now
            if ready.index == clientIndex {
                try perform(runtime.receiveClient(frames, now: now))
                // A client that speaks is connected: what is held for it may go now.
                if let first = frames.first, outbound.isHolding(for: RoutingID(first)) {
                    try outbound.retry(RoutingID(first), now: clock.now, send: sendNow)
                }
            } else {
                let outputs = runtime.receiveWorker(frames, now: now)
                if outputs.contains(where: \.isBatch) {
                    let seconds = clock.now - now
                    let retraining = storage?.learning.isRetraining ?? false
                    timings { $0.record(seconds, retraining: retraining) }
                }
                try perform(outputs)
            }
        }
    }

    // MARK: - Outputs

    /// Sends, publishes and logs what the runtime asked for. A worker found unreachable is
    /// reported back to the runtime (its batch is requeued). With a journal, records and
    /// client replies are held until the iteration's records are committed.
    private func perform(_ outputs: [CoordinatorOutput]) throws(ZMQError) {
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
                    try send([(envelope, reply)])
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

    /// Sends client replies (the runtime gives none for a recovered request whose journal row
    /// named no client), stamped with the incarnation. One that cannot go at once is held
    /// for a later try, or counted and given up on (`OutboundQueue`).
    private func send(_ replies: [HeldReplies.Reply]) throws(ZMQError) {
        let now = clock.now
        for (envelope, reply) in replies {
            try outbound.deliver(runtime.outgoing(reply), to: envelope, now: now, send: sendNow)
        }
    }

    /// One attempt to send a reply on the client socket.
    private func sendNow(_ envelope: ClientEnvelope, _ reply: CoordinatorReply) throws(ZMQError) -> OutboundQueue.SendOutcome {
        do throws(ZMQError) {
            return try sockets.clients.send(envelope.frames + [reply.payload], dontWait: true) ? .sent : .full
        } catch let error where error == .hostUnreachable {
            return .unreachable
        }
    }

    /// Tries the held replies again (every 100 ms), reports the delivery counts to the
    /// runtime for the status snapshot, and logs one summary line per status interval.
    private func retryHeldReplies(now: Double) throws(ZMQError) {
        if now >= nextOutboundRetry {
            nextOutboundRetry = now + 0.1
            if outbound.clientsWaiting > 0 { try outbound.retryAll(now: now, send: sendNow) }
            if outbound.status != runtime.delivery { runtime.noteDelivery(outbound.status) }
        }
        if now >= nextDeliverySummary {
            let interval = configuration.runtime.statusInterval
            nextDeliverySummary = now + interval
            if let line = outbound.takeSummary(seconds: interval) { log(.warning, line) }
        }
    }

    // MARK: - Shutting down

    /// Commits what is held and sends the replies it releases (withdrawn accepts get their
    /// error), logs the final counts and closes the sockets.
    private func shutDown() {
        if let storage {
            var refusals: [HeldReplies.Reply] = []
            let released = storage.close(now: clock.now, timeout: 10) { ids, reason in
                let failed = runtime.journalFailed(ids, reason: reason, now: clock.now)
                refusals += failed.outputs.compactMap {
                    if case .client(let envelope, let reply) = $0 { (envelope, reply) } else { nil }
                }
                return failed.withdrawn
            }
            try? send(released + refusals)
        }
        let final = runtime.snapshot(now: clock.now)
        log(
            .info,
            "stopped: \(final.completed) results, \(final.failed) failures, \(runtime.pendingCount) unanswered, \(final.workersLost) workers lost"
        )
        sockets.close()
    }
}
