import Shared

extension CoordinatorRuntime {
    /// Applies a retraining run's result on the service loop: an accepted predictor or
    /// estimator replaces the scheduler's (queued requests keep their predictions; queued
    /// batches get new time estimates), and every run, accepted or rejected, becomes a
    /// `retrain` status event and a log line.
    /// - Complexity: O(queued batches × estimate) for a new estimator, O(1) otherwise.
    public mutating func apply(_ update: ModelUpdate, now: Double) -> [CoordinatorOutput] {
        if let predictor = update.predictor { replacePredictor(predictor, calibration: update.calibration) }
        if let estimator = update.estimator { replaceEstimator(estimator) }
        let record = update.record
        let accepted = record.status == .accepted
        let unit = record.kind == .predictor ? "tokens" : "s"
        let errors = "held-out error \(Format.fixed(record.validationError ?? .nan, 2)) \(unit) vs \(Format.fixed(record.baselineError ?? .nan, 2)) \(unit) in service"
        let summary =
            "\(record.trainingRows) training rows (+\(record.addedRows)), \(record.holdoutRows) held out, \(Format.fixed(update.seconds, 2)) s"
        return [
            .status(
                .event(
                    StatusEvent(
                        kind: .retrain, time: now, message: summary, model: record.kind.rawValue, version: record.version,
                        validationError: record.validationError, baselineError: record.baselineError, accepted: accepted))),
            .log(
                .info,
                "retrained \(record.kind) v\(record.version): \(accepted ? "accepted, now serving" : "rejected, keeping the model in service"); \(errors); \(summary)"
            ),
        ]
    }

    /// Serves with a new length predictor (and its held-out length distributions for the
    /// uncertainty model); queued requests keep their predictions.
    public mutating func replacePredictor(_ predictor: any LengthPredicting, calibration: LengthCalibration? = nil) {
        scheduler.replacePredictor(predictor, calibration: calibration)
    }

    /// Serves with a new batch-time estimator; queued batches get new estimates.
    /// - Complexity: O(queued batches × estimate).
    public mutating func replaceEstimator(_ estimator: any BatchTimeEstimating) {
        scheduler.replaceEstimator(estimator)
    }
}
