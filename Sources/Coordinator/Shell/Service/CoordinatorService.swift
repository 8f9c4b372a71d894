import Coordinator
import ServiceSupport
import Shared
import Synchronization

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
/// The thread is a `ServiceThread`; its loop, step by step, is `CoordinatorLoop`.
public final class CoordinatorService: Sendable {
    public let configuration: CoordinatorConfiguration
    private let source: ModelSource
    private let log: ServiceLog
    /// The service thread: it reports the bound endpoints (or why not) and returns the exit status.
    private let thread = ServiceThread<Result<CoordinatorEndpoints, CoordinatorStartError>, Int32>(
        name: "magnus-coordinator")
    private let timings = Mutex(DispatchTimings())
    /// The learning thread, once the loop has started with a log store.
    private let retraining = Mutex<RetrainingLoop?>(nil)

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
        thread.start { [self] thread in run(thread) }
        guard let started = thread.waitForStart() else {
            preconditionFailure("the coordinator thread ended without reporting its start")
        }
        switch started {
        case .success(let endpoints): return endpoints
        case .failure(let error):
            _ = wait()
            throw error
        }
    }

    /// Begins a graceful drain: new submits are refused, running batches finish (up to the
    /// drain timeout), then the loop ends. Thread-safe and idempotent.
    public func drain() {
        thread.requestDrain()
    }

    /// Ends the loop at once, without draining. Thread-safe.
    public func stop() {
        thread.requestStop()
    }

    /// Blocks until the loop has ended; returns the process exit status (0 after a drain).
    public func wait() -> Int32 {
        if case .returned(let status)? = thread.join() { return status }
        return 1
    }

    /// How long the loop took to turn a worker's message into a batch for it (the dispatch
    /// decision, in seconds), for the most recent dispatches, each with whether a
    /// retraining run was in progress then. Thread-safe.
    public var dispatchDecisionTimes: [(seconds: Double, retraining: Bool)] { timings.withLock { $0.samples } }

    /// How long each swap of a retrained model held the loop, seconds. Thread-safe.
    public var modelSwapTimes: [Double] { timings.withLock { $0.swaps } }

    /// Whether a retraining run is in progress on the learning thread. Thread-safe.
    public var isRetraining: Bool { retraining.withLock { $0?.isRetraining ?? false } }

    /// The retraining thread's work so far (nil without a log store). Thread-safe.
    public var retrainingStatistics: RetrainingStatistics? {
        retraining.withLock { $0?.statistics }
    }

    // MARK: - The thread

    /// The service thread's body: load and bind (reporting the endpoints or the failure),
    /// then the loop until a drain ends or a stop.
    private func run(_ thread: ServiceThread<Result<CoordinatorEndpoints, CoordinatorStartError>, Int32>) -> Int32 {
        let loop: CoordinatorLoop
        do {
            loop = try CoordinatorLoop.open(
                configuration: configuration, source: source, examples: examplesReader(), clock: MonotonicClock(),
                log: log, timings: { update in self.timings.withLock { update(&$0) } })
        } catch {
            log(.error, error.description)
            thread.reportStarted(.failure(error))
            return 1
        }
        retraining.withLock { $0 = loop.learning }
        thread.reportStarted(.success(loop.endpoints))
        return loop.run(thread)
    }

    /// Reads the training data: the examples given at init, else the configured files.
    private func examplesReader() -> @Sendable () throws(CoordinatorStartError) -> [LengthExample] {
        let source = source, configuration = configuration, log = log
        return { () throws(CoordinatorStartError) in
            if let examples = source.examples { return examples }
            return try PredictorBootstrap.trainingExamples(configuration, log: log)
        }
    }
}
