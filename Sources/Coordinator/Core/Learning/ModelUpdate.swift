
/// One retraining run's result, handed from the retraining thread to the service loop:
/// the stored version's record and, for an accepted candidate, the serving model built
/// off the loop thread, ready to swap in.
public struct ModelUpdate: Sendable {
    /// The candidate as stored (version, errors, accepted or rejected).
    public var record: ModelRecord
    /// An accepted predictor, ready to serve.
    public var predictor: (any LengthPredicting)?
    /// An accepted predictor's held-out length distributions, for the uncertainty model.
    public var calibration: LengthCalibration?
    /// An accepted estimator, ready to serve.
    public var estimator: (any BatchTimeEstimating)?
    /// Wall-clock seconds the run took (reading, training, validating, saving).
    public var seconds: Double

    public init(
        record: ModelRecord, predictor: (any LengthPredicting)? = nil, estimator: (any BatchTimeEstimating)? = nil,
        seconds: Double
    ) {
        self.record = record
        self.predictor = predictor
        self.estimator = estimator
        self.seconds = seconds
    }
}
