import Coordinator

/// A stored model version: its metadata and the decoded model.
public struct StoredModel: Sendable {
    /// The decoded model of either kind.
    public enum Payload: Sendable {
        case predictor(PredictorModel)
        case estimator(EstimatorModel)
    }

    public var record: ModelRecord
    public var payload: Payload

    public var predictor: PredictorModel? {
        if case .predictor(let model) = payload { return model }
        return nil
    }

    public var estimator: EstimatorModel? {
        if case .estimator(let model) = payload { return model }
        return nil
    }
}
