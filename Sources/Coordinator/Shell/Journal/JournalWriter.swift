import Coordinator
import Foundation
import ServiceSupport
import Shared
import Storage
import Synchronization
import Transport

/// The log store's owner: one dedicated thread that opens the SQLite file (a new run,
/// repairing what a crash left), prepares the start-up state, and then commits what the
/// service loop hands it. The loop never touches the disk: it submits each poll
/// iteration's records, keeps that iteration's client replies, and sends them when this
/// thread reports the batch committed (it wakes the loop through an inproc PAIR). Batches
/// that queue up while a commit runs are committed together: one transaction, one fsync.
final class JournalWriter: Sendable {
    let path: String
    let epoch: Double
    private let options: LogStoreOptions
    private let notifyContext: ZMQContext
    private let notifyEndpoint: String
    private let log: ServiceLog
    private let state = Mutex(State())
    /// The journal thread; it reports the start-up state (or why there is none) once prepared.
    private let thread = ServiceThread<Result<JournalStartup, CoordinatorStartError>, Void>(name: "magnus-journal")

    private struct Batch: Sendable {
        var number: Int
        var records: [JournalRecord]
        var now: Double
    }

    private struct State: Sendable {
        var queue: [Batch] = []
        var completions: [JournalCompletion] = []
        var nextBatch = 1
        /// Commits and the time they took, for diagnostics.
        var commits = 0
        var commitSeconds = 0.0
    }

    /// - Parameters:
    ///   - epoch: Unix time at which the service clock reads 0.
    ///   - notify: the context and endpoint of the PAIR the service loop bound to be woken.
    init(
        path: String, epoch: Double, options: LogStoreOptions, notify: (context: ZMQContext, endpoint: String),
        log: ServiceLog
    ) {
        self.path = path
        self.epoch = epoch
        self.options = options
        self.notifyContext = notify.context
        self.notifyEndpoint = notify.endpoint
        self.log = log
    }

    /// Starts the thread: it opens the store, runs `prepare` with it (bootstrap and
    /// recovery reads), and returns that result here; then it serves commits until `stop`.
    /// - Throws: what opening or `prepare` threw; the thread has then ended.
    func start(
        prepare: @escaping @Sendable (LogStore) throws(CoordinatorStartError) -> JournalStartup
    ) throws(CoordinatorStartError) -> JournalStartup {
        thread.start { [self] thread in run(thread, prepare: prepare) }
        guard let startup = thread.waitForStart() else {
            preconditionFailure("the journal thread ended without reporting its start")
        }
        return try startup.get()
    }

    /// Hands over one poll iteration's records.
    /// - Returns: the batch number its completion will carry.
    func submit(_ records: [JournalRecord], now: Double) -> Int {
        let number = state.withLock { state in
            let number = state.nextBatch
            state.nextBatch += 1
            state.queue.append(Batch(number: number, records: records, now: now))
            return number
        }
        thread.wake()
        return number
    }

    /// Takes the completions reported so far, in batch order.
    func takeCompletions() -> [JournalCompletion] {
        state.withLock { state in
            guard !state.completions.isEmpty else { return [] }
            defer { state.completions.removeAll() }
            return state.completions
        }
    }

    /// Commits what was submitted, closes the store and ends the thread; blocks until then.
    func stop() {
        thread.requestStop()
        thread.join()
    }

    /// Commits so far and their mean duration in seconds.
    var commitStatistics: (commits: Int, meanSeconds: Double) {
        state.withLock { ($0.commits, $0.commits == 0 ? 0 : $0.commitSeconds / Double($0.commits)) }
    }

    // MARK: - The thread

    private func run(
        _ thread: ServiceThread<Result<JournalStartup, CoordinatorStartError>, Void>,
        prepare: (LogStore) throws(CoordinatorStartError) -> JournalStartup
    ) {
        let store: LogStore
        do {
            store = try LogStore(path: path, epoch: epoch, options: options)
        } catch {
            thread.reportStarted(.failure(.logStore(path: path, error)))
            return
        }
        defer {
            do { try store.close() } catch { log(.error, "log store \(path): closing failed: \(error)") }
        }
        do {
            thread.reportStarted(.success(try prepare(store)))
        } catch {
            thread.reportStarted(.failure(error))
            return
        }

        let notify: ZMQSocket
        do {
            notify = try notifyContext.socket(.pair, linger: 0)
            try notify.connect(notifyEndpoint)
        } catch {
            log(.error, "journal: cannot reach the service loop (\(error)); nothing will be committed")
            return
        }
        defer { notify.close() }
        let clock = MonotonicClock()
        while true {
            thread.waitForWake()
            // Read the request before taking the queue: what was submitted before a stop is committed.
            let stopping = thread.isStopRequested
            let batches = state.withLock { state in
                defer { state.queue.removeAll() }
                return state.queue
            }
            if !batches.isEmpty {
                let began = clock.now
                let completions = commit(batches, to: store)
                let seconds = clock.now - began
                state.withLock { state in
                    state.completions += completions
                    state.commits += 1
                    state.commitSeconds += seconds
                }
                _ = try? notify.send([[1]], dontWait: true)
            }
            if stopping && state.withLock({ $0.queue.isEmpty }) { break }
        }
    }

    /// Writes the batches in one transaction; a record that fails is undone alone (its
    /// savepoint) and reported, the others commit.
    private func commit(_ batches: [Batch], to store: LogStore) -> [JournalCompletion] {
        var failed: [Int: [RequestID]] = [:]
        var errors: [Int: String] = [:]
        do {
            try store.write { () throws(StorageError) in
                for batch in batches {
                    for record in batch.records {
                        do {
                            try apply(record, to: store, now: batch.now)
                        } catch {
                            if case .accepted(let request, _, _, _, _) = record {
                                failed[batch.number, default: []].append(request.id)
                            }
                            errors[batch.number] = "\(error)"
                            log(.error, "journal: \(Self.name(record)) not recorded: \(error)")
                        }
                    }
                }
            }
        } catch {
            // Nothing of these batches is on disk: no accept in them may be acknowledged.
            log(.error, "journal: commit failed: \(error)")
            return batches.map { batch in
                JournalCompletion(
                    batch: batch.number,
                    failedAccepts: batch.records.compactMap {
                        if case .accepted(let request, _, _, _, _) = $0 { request.id } else { nil }
                    }, error: "\(error)")
            }
        }
        return batches.map {
            JournalCompletion(batch: $0.number, failedAccepts: failed[$0.number] ?? [], error: errors[$0.number])
        }
    }

    private func apply(_ record: JournalRecord, to store: LogStore, now: Double) throws(StorageError) {
        switch record {
        case .accepted(let request, let client, let fingerprint, let prediction, let at):
            try store.journalAccepted(
                request, clientID: client.client.description, client: client, fingerprint: fingerprint.value,
                prediction: prediction, at: at)
        case .dispatched(let batch, let at):
            try store.markDispatched(batch, at: at)
        case .outcome(let actions, let at):
            try store.record(actions, at: at)
        case .batchFailed(let batch, let reason, let actions, let at):
            try store.recordFailure(of: batch, reason: reason, actions: actions, at: at)
        case .cancelled(let id, let at):
            try store.markCancelled(id, at: at)
        case .failed(let id, let error):
            try store.markFailed(id, error: error, at: now)
        }
    }

    private static func name(_ record: JournalRecord) -> String {
        switch record {
        case .accepted(let request, _, _, _, _): "accept of \(request.id)"
        case .dispatched(let batch, _): "dispatch of \(batch.id)"
        case .outcome: "batch outcome"
        case .batchFailed(let batch, _, _, _): "failure of \(batch)"
        case .cancelled(let id, _): "cancellation of \(id)"
        case .failed(let id, _): "failure of \(id)"
        }
    }
}
