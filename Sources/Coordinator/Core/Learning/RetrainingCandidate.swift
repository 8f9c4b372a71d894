import Shared

/// The result of one retraining run that trained something: the candidate, what it learned
/// from, how it and the model in service did on the held-out rows, and the decision.
public struct RetrainingCandidate<Model: Sendable, Example: Sendable>: Sendable {
    public var kind: ModelKind
    public var model: Model
    /// The candidate's whole training set (previous set plus `added`, oldest dropped first
    /// beyond the policy's cap).
    public var trainingSet: [Example]
    /// Rows of this run's log window that passed the error filter and were added.
    public var added: [Example]
    /// Mean absolute error of the candidate on the held-out rows (tokens or seconds).
    public var candidateError: Double
    /// Mean absolute error of the model in service on the same rows.
    public var currentError: Double
    public var holdoutRows: Int
    /// Log position of the newest row the candidate could learn from: the next run of an
    /// accepted candidate starts after it; a rejected one's rows are looked at again.
    public var dataThrough: Int64
    public var decision: ModelDecision
    /// A predictor candidate's length distributions on the held-out rows (actual / predicted
    /// per application), for an uncertainty-aware scheduler to adopt with it.
    public var calibration: LengthCalibration?

    public init(
        kind: ModelKind, model: Model, trainingSet: [Example], added: [Example], candidateError: Double,
        currentError: Double, holdoutRows: Int, dataThrough: Int64, decision: ModelDecision,
        calibration: LengthCalibration? = nil
    ) {
        self.calibration = calibration
        self.kind = kind
        self.model = model
        self.trainingSet = trainingSet
        self.added = added
        self.candidateError = candidateError
        self.currentError = currentError
        self.holdoutRows = holdoutRows
        self.dataThrough = dataThrough
        self.decision = decision
    }
}
