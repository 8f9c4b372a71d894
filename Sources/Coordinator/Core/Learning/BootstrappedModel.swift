/// The model a coordinator or simulator starts with, and what to persist about it.
public struct BootstrappedModel<Model: Sendable, Example: Sendable>: Sendable {
    public var source: BootstrapSource
    /// The trained model; nil for the predictor's prior (serve `LengthRatioPredictor`).
    public var model: Model?
    /// The training set to persist as this model's (nil when nothing new was trained:
    /// a stored model keeps the stored set, the prior has none).
    public var newTrainingSet: [Example]?
    /// Log position of the newest logged row the model learned from (nil: none).
    public var dataThrough: Int64?

    public init(source: BootstrapSource, model: Model?, newTrainingSet: [Example]?, dataThrough: Int64?) {
        self.source = source
        self.model = model
        self.newTrainingSet = newTrainingSet
        self.dataThrough = dataThrough
    }
}
