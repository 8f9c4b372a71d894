import Coordinator
import Foundation
import ServiceSupport
import Shared
import Storage
import Synchronization

/// The background thread of continuous learning and retention. It has its own connection
/// to the log store (WAL: its reads never block the journal's writes), and on
/// `RetrainingSchedule`'s deadlines it reads the logged rows, trains a candidate with the
/// pure `PredictorTrainer` or `EstimatorTrainer`, validates it against the model in service
/// on held-out rows, saves it (accepted: the new active version; rejected: kept for the
/// record, the old model stays), and posts the result to `mailbox`. The service loop swaps
/// accepted models into its scheduler between two events; training never runs on it.
/// Retention passes (`prune`) run here too, so the loop never waits for a large delete.
/// The thread runs at a lower CPU priority (nice 10 on Linux).
public final class RetrainingLoop: Sendable {
    /// Where finished runs are posted for the service loop.
    public let mailbox = LearningMailbox()
    private let path: String
    private let epoch: Double
    private let run: Int
    private let options: LogStoreOptions
    private let settings: LearningSettings
    private let storage: StorageConfiguration
    private let initial: (predictor: PredictorModel?, estimator: EstimatorModel)
    private let clock: MonotonicClock
    private let log: ServiceLog
    private let statisticsSoFar = Mutex(RetrainingStatistics())
    private let thread = ServiceThread<Void, Void>(name: "magnus-learning")

    /// - Parameters:
    ///   - epoch, run: the journal's, so that saved versions carry the service clock.
    ///   - initial: the models in service at start (the predictor's prior is nil).
    ///   - clock: the service loop's clock.
    public init(
        path: String, epoch: Double, run: Int, options: LogStoreOptions, settings: LearningSettings,
        storage: StorageConfiguration, initial: (predictor: PredictorModel?, estimator: EstimatorModel),
        clock: MonotonicClock, log: ServiceLog
    ) {
        self.path = path
        self.epoch = epoch
        self.run = run
        self.options = options
        self.settings = settings
        self.storage = storage
        self.initial = initial
        self.clock = clock
        self.log = log
    }

    /// Starts the thread.
    public func start() {
        thread.start { [self] thread in loop(thread) }
    }

    /// Ends the thread after the run in progress, if any; blocks until then. Idempotent.
    public func stop() {
        thread.requestStop()
        thread.join()
    }

    /// Runs so far and the time they took.
    public var statistics: RetrainingStatistics { statisticsSoFar.withLock { $0 } }

    /// Whether a retraining run is in progress (cheap: one lock).
    public var isRetraining: Bool { statisticsSoFar.withLock { $0.inProgress } }

    // MARK: - The thread

    private func loop(_ thread: ServiceThread<Void, Void>) {
        // Training is CPU-heavy: on a busy machine the service loop must win the core.
        BackgroundPriority.lowerCurrentThread(nice: 10)
        let store: LogStore
        do {
            store = try LogStore(attachingTo: path, epoch: epoch, run: run, options: options)
        } catch {
            log(.error, "learning: cannot open the log store \(path): \(error); no retraining or pruning")
            return
        }
        defer {
            do { try store.close() } catch { log(.error, "learning: closing the log store failed: \(error)") }
        }
        var predictor = initial.predictor
        var estimator = initial.estimator
        var schedule = RetrainingSchedule(policy: settings.policy, start: clock.now)
        var nextPrune = clock.now
        if storage.retraining {
            log(
                .info,
                "retraining: predictor every \(Format.fixed(settings.policy.predictorInterval, 1)) s, estimator every \(Format.fixed(settings.policy.estimatorInterval, 1)) s"
            )
        }
        while !thread.isStopRequested {
            let now = clock.now
            if storage.retraining {
                for kind in schedule.due(at: now) where !thread.isStopRequested {
                    statisticsSoFar.withLock { $0.inProgress = true }
                    switch kind {
                    case .predictor: retrainPredictor(store, current: &predictor)
                    case .estimator: retrainEstimator(store, current: &estimator)
                    }
                    statisticsSoFar.withLock { $0.inProgress = false }
                }
            }
            if clock.now >= nextPrune {
                prune(store)
                nextPrune = clock.now + storage.pruneInterval
            }
            let next = min(storage.retraining ? schedule.nextDeadline : .infinity, nextPrune)
            let wait = max(0.001, min(next - clock.now, 3_600))
            thread.waitForWake(timeout: wait)
        }
    }

    private func retrainPredictor(_ store: LogStore, current: inout PredictorModel?) {
        let serving = ModelBootstrap.servingPredictor(current)
        let accepted = retrain(
            "predictor",
            attempt: {
                let (trainingSet, recent) = try store.predictorRetrainingInput(policy: settings.policy)
                return settings.predictorTrainer.retrain(trainingSet: trainingSet, recent: recent, current: serving)
            },
            save: { try store.save($0, at: clock.now) },
            serve: { update, candidate in
                update.predictor = candidate.model.makePredictor()
                update.calibration = candidate.calibration
            })
        if let accepted { current = accepted }
    }

    private func retrainEstimator(_ store: LogStore, current: inout EstimatorModel) {
        let model = current
        let accepted = retrain(
            "estimator",
            attempt: {
                let recent = try store.estimatorRetrainingInput(policy: settings.policy)
                return settings.estimatorTrainer.retrain(current: model, recent: recent)
            },
            save: { try store.save($0, at: clock.now) },
            serve: { update, candidate in update.estimator = candidate.model.makeEstimator() })
        if let accepted { current = accepted }
    }

    /// One retraining run of either model: read and train (`attempt`), store the candidate,
    /// post the update (with the servable model when accepted), and count the run.
    /// - Returns: the accepted model, or nil when skipped, rejected or failed.
    private func retrain<Model: Sendable, Example: Sendable>(
        _ name: String, attempt: () throws -> RetrainingOutcome<Model, Example>,
        save: (RetrainingCandidate<Model, Example>) throws -> ModelRecord,
        serve: (inout ModelUpdate, RetrainingCandidate<Model, Example>) -> Void
    ) -> Model? {
        let began = clock.now
        do {
            switch try attempt() {
            case .skipped(let reason):
                log(.info, "retraining the \(name): skipped: \(reason)")
                record(seconds: clock.now - began, trained: false)
                return nil
            case .trained(let candidate):
                var update = ModelUpdate(record: try save(candidate), seconds: 0)
                let accepted = candidate.decision == .accepted
                if accepted { serve(&update, candidate) }
                update.seconds = clock.now - began
                record(seconds: update.seconds, trained: true)
                mailbox.post(update)
                return accepted ? candidate.model : nil
            }
        } catch {
            log(.error, "retraining the \(name) failed: \(error)")
            record(seconds: clock.now - began, trained: false)
            return nil
        }
    }

    private func record(seconds: Double, trained: Bool) {
        statisticsSoFar.withLock { statistics in
            statistics.runs += 1
            if trained { statistics.candidates += 1 }
            statistics.seconds += seconds
        }
    }

    private func prune(_ store: LogStore) {
        do {
            let report = try store.prune(
                keepingRows: storage.retainRows > 0 ? storage.retainRows : nil,
                olderThan: storage.retainSeconds > 0 ? storage.retainSeconds : nil, now: clock.now)
            let models = try store.pruneModels(keepingPerKind: storage.retainModels)
            if report.requests + report.batches + models > 0 {
                log(
                    .info,
                    "retention: pruned \(report.requests) finished requests, \(report.batches) batches, \(models) model versions"
                )
            }
        } catch {
            log(.error, "retention: pruning failed: \(error)")
        }
    }
}
