import Coordinator
import Foundation
import ServiceSupport
import Shared
import Storage
import Transport

/// The service loop's side of the log store and of learning, owned by the loop thread:
/// the journal thread (`JournalWriter`) and the PAIR it wakes the loop with, the replies
/// held until their records are committed (`HeldReplies`), and the retraining thread.
final class ServiceStorage {
    let writer: JournalWriter
    let startup: JournalStartup
    let learning: RetrainingLoop
    /// The loop polls this socket: the journal thread sends a byte after every commit.
    let notify: ZMQSocket
    private let notifyContext: ZMQContext
    private var held = HeldReplies()
    private let log: ServiceLog

    /// Opens the log store on a new journal thread (a new run; repairs a crash), chooses
    /// the models there when `bootstrap` is set (stored, else training data, else logged
    /// data, else the prior; new ones are saved), reads the unfinished requests and recent
    /// answers, and starts the learning thread (retraining only with bootstrapped models,
    /// whose lineage it continues; retention always).
    init(
        configuration: CoordinatorConfiguration, path: String, source: ModelSource,
        examples: @escaping @Sendable () throws(CoordinatorStartError) -> [LengthExample], settings: LearningSettings,
        clock: MonotonicClock, log: ServiceLog
    ) throws(CoordinatorStartError) {
        self.log = log
        let endpoint = "inproc://magnus-journal"
        do {
            notifyContext = try ZMQContext()
            notify = try notifyContext.socket(.pair, linger: 0)
            try notify.bind(endpoint)
        } catch {
            throw .bind(BindError(role: "journal notification", endpoint: endpoint, error: error))
        }
        let epoch = Date().timeIntervalSince1970 - clock.now
        // The journal waits up to a minute for the learning thread's writes (a model save, a
        // large prune): a late acknowledgement is better than a refused request. The learning
        // thread gives up after the default 5 s and tries again at its next run.
        let journalOptions = LogStoreOptions(synchronous: configuration.storage.logSync, busyTimeoutMilliseconds: 60_000)
        let options = LogStoreOptions(synchronous: configuration.storage.logSync)
        writer = JournalWriter(
            path: path, epoch: epoch, options: journalOptions, notify: (notifyContext, endpoint), log: log)
        do {
            startup = try writer.start { store throws(CoordinatorStartError) in
                func read<T>(_ body: () throws(StorageError) -> T) throws(CoordinatorStartError) -> T {
                    do { return try body() } catch { throw .logStore(path: path, error) }
                }
                var models: StartupModels?
                if case .given = source {
                    models = nil
                } else {
                    models = try StartupModels.choose(
                        settings: settings, store: store,
                        examples: examples, now: clock.now, log: log)
                }
                let unfinished = try read { () throws(StorageError) in try store.unfinishedJournalled() }
                let finished = try read { () throws(StorageError) in
                    try store.recentFinished(limit: configuration.runtime.finishedCapacity)
                }
                return JournalStartup(
                    run: store.run, recovery: store.recovery, models: models, unfinished: unfinished,
                    answers: finished.compactMap(RestoredAnswer.init))
            }
        } catch {
            notify.close()
            throw error
        }
        var storage = configuration.storage
        if startup.models == nil && storage.retraining {
            storage.retraining = false
            log(.info, "retraining off: the service was given its scheduler, not models to continue")
        }
        learning = RetrainingLoop(
            path: path, epoch: epoch, run: startup.run, options: options, settings: settings, storage: storage,
            initial: (startup.models?.predictorModel, startup.models?.estimatorModel ?? settings.priorEstimator),
            clock: clock, log: log)
        let recovery = startup.recovery
        log(
            .info,
            "log store \(path): run \(recovery.run)\(recovery.migrationsApplied.isEmpty ? "" : ", schema migrations \(recovery.migrationsApplied)"); \(recovery.unfinishedRequests) unfinished requests (\(recovery.interruptedRequests) were on workers, \(recovery.lostBatches) batches lost); \(startup.answers.count) finished answers loaded; sync \(configuration.storage.logSync.rawValue)"
        )
        if recovery.writeAheadLogMissing {
            log(
                .error,
                "log store \(path): the previous run did not stop cleanly and its write-ahead log (\(path)-wal) is missing: what it committed after its last checkpoint, acknowledged requests included, is lost. Never remove the -wal file of a store that was not closed cleanly"
            )
        } else if recovery.previousRunStoppedCleanly == false {
            log(.warning, "log store \(path): the previous run did not stop cleanly (a crash or kill -9); its unfinished requests are queued again")
        }
        learning.start()
    }

    // MARK: - Write-ahead replies

    func hold(_ record: JournalRecord) { held.hold(record) }
    func hold(_ reply: CoordinatorReply, to envelope: ClientEnvelope) { held.hold(reply, to: envelope) }

    /// Ends a loop iteration: hands its records to the journal thread.
    /// - Returns: replies that may go out now (nothing was waiting for a commit).
    func flush(now: Double) -> [HeldReplies.Reply] {
        held.close { records in writer.submit(records, now: now) }
    }

    /// Takes the journal thread's completions.
    /// - Parameter withdraw: called for accepts that were not journalled; returns the ids
    ///   the runtime withdrew (their acknowledgements are dropped).
    /// - Returns: replies released by the commits.
    func committed(withdraw: ([RequestID], String) -> Set<RequestID>) -> [HeldReplies.Reply] {
        while (try? notify.receive(dontWait: true)) != nil {}
        var released: [HeldReplies.Reply] = []
        for completion in writer.takeCompletions() {
            let withdrawn =
                completion.failedAccepts.isEmpty
                ? [] : withdraw(completion.failedAccepts, completion.error ?? "unknown error")
            released += held.committed(completion.batch, withdrawn: withdrawn) ?? []
        }
        return released
    }

    /// Whether replies or records still wait.
    var isIdle: Bool { held.isIdle }

    /// Stops the learning thread, commits what is left (waiting up to `timeout` seconds for
    /// it) and returns the replies released, then ends the journal thread.
    func close(now: Double, timeout: Double, withdraw: ([RequestID], String) -> Set<RequestID>) -> [HeldReplies.Reply] {
        learning.stop()
        var released = flush(now: now)
        let clock = MonotonicClock()
        while held.inFlightCount > 0 && clock.now < timeout {
            released += committed(withdraw: withdraw)
            if held.inFlightCount > 0 { usleep(1_000) }
        }
        writer.stop()
        released += committed(withdraw: withdraw)
        let statistics = writer.commitStatistics
        log(.info, "journal: \(statistics.commits) commits, \(Format.fixed(statistics.meanSeconds * 1000, 2)) ms each on average")
        notify.close()
        return released
    }
}
