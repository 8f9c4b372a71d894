import Shared

/// A finished request as the predictor's retraining reads it from the log: what was asked,
/// what was predicted when it was accepted, and how long the generation really was.
public struct LoggedRequest: Sendable, Hashable {
    public var request: Request
    /// The prediction made at acceptance (by whichever model was active then).
    public var prediction: LengthPrediction
    /// G(p): tokens actually generated.
    public var generatedTokens: Int
    public var finishedAt: Seconds
    /// Position in the log's finish order (increasing, never reused); retraining keeps the
    /// position up to which a model's training could see rows.
    public var logPosition: Int64

    public init(
        request: Request, prediction: LengthPrediction, generatedTokens: Int, finishedAt: Seconds, logPosition: Int64
    ) {
        self.request = request
        self.prediction = prediction
        self.generatedTokens = generatedTokens
        self.finishedAt = finishedAt
        self.logPosition = logPosition
    }

    /// |G'(p) − G(p)| of the logged prediction.
    public var predictionError: Int { abs(prediction.expected - generatedTokens) }

    /// The row as a training example labelled with the true length.
    public var example: LengthExample {
        LengthExample(
            application: request.application, instruction: request.instruction, input: request.input,
            inputTokens: request.inputTokens, generatedTokens: generatedTokens)
    }
}
