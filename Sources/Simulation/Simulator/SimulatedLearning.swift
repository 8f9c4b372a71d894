import Coordinator
import Shared

/// Continuous learning in virtual time: the simulator's stand-in for the coordinator's log
/// store and retraining thread, with the same pure `PredictorTrainer`, `EstimatorTrainer`,
/// `RetrainingPolicy` and `RetrainingSchedule`. It logs every finished request and batch
/// with an increasing log position, and when a loop is due it reads the rows after the
/// active model's data exactly as `LogStore.predictorRetrainingInput` does, trains and
/// validates a candidate, and swaps an accepted one into the scheduler (a rejected one
/// changes nothing: rollback). Training is instantaneous in virtual time, as it runs off
/// the scheduling path in the real coordinator.
///
/// With `retrains` false it only observes, so that runs with and without retraining record
/// the same per-request timeline.
public struct SimulatedLearning: Sendable {
    /// One finished request, for the error timeline.
    public struct Completion: Sendable, Hashable {
        public var application: String
        public var arrival: Seconds
        public var finishedAt: Seconds
        public var predicted: Int
        public var generated: Int
        public var responseTime: Seconds
    }

    /// One retraining run that trained a candidate.
    public struct Retraining: Sendable, Hashable {
        public var time: Seconds
        public var kind: ModelKind
        /// 1, 2, ... per kind, in training order (accepted and rejected alike).
        public var version: Int
        public var decision: ModelDecision
        public var candidateError: Double
        public var currentError: Double
        public var trainingRows: Int
        public var addedRows: Int
    }

    public let retrains: Bool
    public let predictorTrainer: PredictorTrainer
    public let estimatorTrainer: EstimatorTrainer
    public private(set) var schedule: RetrainingSchedule
    /// The predictor in service as data; nil while a prior serves.
    public private(set) var predictorModel: PredictorModel?
    public private(set) var estimatorModel: EstimatorModel
    /// Every finished request, in finish order.
    public private(set) var completions: [Completion] = []
    /// Every candidate trained.
    public private(set) var retrainings: [Retraining] = []

    private var predictorTrainingSet: [LengthExample]
    private var predictorThrough: Int64 = 0
    private var estimatorThrough: Int64 = 0
    private var loggedRequests: [LoggedRequest] = []
    private var loggedBatches: [LoggedBatch] = []
    private var position: Int64 = 0
    private var versions: [ModelKind: Int] = [:]

    /// - Parameters:
    ///   - predictor: the bootstrapped predictor and its training set (nil model: the prior).
    ///   - estimator: the estimator in service at the start.
    ///   - start: virtual time of the first request; the first runs are one interval later.
    public init(
        retrains: Bool, predictorTrainer: PredictorTrainer, estimatorTrainer: EstimatorTrainer,
        predictor: PredictorModel?, trainingSet: [LengthExample], estimator: EstimatorModel, start: Seconds
    ) {
        self.retrains = retrains
        self.predictorTrainer = predictorTrainer
        self.estimatorTrainer = estimatorTrainer
        self.predictorModel = predictor
        self.predictorTrainingSet = trainingSet
        self.estimatorModel = estimator
        self.schedule = RetrainingSchedule(policy: predictorTrainer.policy, start: start)
    }

    /// When the next loop is due (infinity when not retraining).
    public var nextDeadline: Seconds { retrains ? schedule.nextDeadline : .infinity }

    /// Logs what the scheduler reported: finished requests and batches.
    /// - Complexity: O(actions).
    public mutating func observe(_ actions: [SchedulerAction], now: Seconds) {
        for action in actions {
            switch action {
            case .completed(let done):
                position += 1
                loggedRequests.append(
                    LoggedRequest(
                        request: done.request, prediction: done.prediction, generatedTokens: done.output.generatedTokens,
                        finishedAt: now, logPosition: position))
                completions.append(
                    Completion(
                        application: done.request.application, arrival: done.request.arrival, finishedAt: now,
                        predicted: done.prediction.expected, generated: done.output.generatedTokens,
                        responseTime: done.responseTime))
            case .observedBatch(let batch):
                position += 1
                loggedBatches.append(
                    LoggedBatch(
                        features: batch.predicted, actualMaxGeneration: batch.actualMaxGeneration,
                        estimatedTime: batch.estimatedTime, actualTime: batch.actualTime, finishedAt: now,
                        logPosition: position))
            default:
                break
            }
        }
    }

    /// Runs the loops due at `now` and swaps accepted models into the coordinator core, as
    /// the real coordinator's service loop does with a retraining thread's `ModelUpdate`.
    /// - Complexity: a forest's training for a predictor run, KNN evaluations for an estimator run.
    public mutating func runDue(at now: Seconds, runtime: inout CoordinatorRuntime) {
        guard retrains else { return }
        for kind in schedule.due(at: now) {
            switch kind {
            case .predictor: retrainPredictor(at: now, runtime: &runtime)
            case .estimator: retrainEstimator(at: now, runtime: &runtime)
            }
        }
    }

    private mutating func retrainPredictor(at now: Seconds, runtime: inout CoordinatorRuntime) {
        let recent = Self.window(loggedRequests, after: predictorThrough, limit: predictorTrainer.policy.recentRowLimit) {
            $0.logPosition
        }
        let outcome = predictorTrainer.retrain(
            trainingSet: predictorTrainingSet, recent: recent, current: runtime.scheduler.predictor)
        guard let candidate = outcome.candidate else { return }
        note(candidate, at: now)
        guard candidate.decision == .accepted else { return }
        predictorModel = candidate.model
        predictorTrainingSet = candidate.trainingSet
        predictorThrough = candidate.dataThrough
        runtime.replacePredictor(candidate.model.makePredictor(), calibration: candidate.calibration)
    }

    private mutating func retrainEstimator(at now: Seconds, runtime: inout CoordinatorRuntime) {
        let recent = Self.window(loggedBatches, after: estimatorThrough, limit: estimatorTrainer.policy.recentRowLimit) {
            $0.logPosition
        }
        guard let candidate = estimatorTrainer.retrain(current: estimatorModel, recent: recent).candidate else { return }
        note(candidate, at: now)
        guard candidate.decision == .accepted else { return }
        estimatorModel = candidate.model
        estimatorThrough = candidate.dataThrough
        runtime.replaceEstimator(candidate.model.makeEstimator())
    }

    private mutating func note<Model, Example>(_ candidate: RetrainingCandidate<Model, Example>, at now: Seconds) {
        let version = (versions[candidate.kind] ?? 0) + 1
        versions[candidate.kind] = version
        retrainings.append(
            Retraining(
                time: now, kind: candidate.kind, version: version, decision: candidate.decision,
                candidateError: candidate.candidateError, currentError: candidate.currentError,
                trainingRows: candidate.trainingSet.count, addedRows: candidate.added.count))
    }

    /// The newest `limit` rows after log position `after`, oldest first (the store's query).
    private static func window<Row>(_ rows: [Row], after: Int64, limit: Int, position: (Row) -> Int64) -> [Row] {
        var start = rows.count
        while start > 0 && position(rows[start - 1]) > after && rows.count - start < limit { start -= 1 }
        return Array(rows[start...])
    }
}
