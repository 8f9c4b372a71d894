import Coordinator
import Shared

/// Predicts the same length for everything.
struct ConstantPredictor: LengthPredicting {
    var tokens: Int
    func predict(_ request: Request) -> LengthPrediction {
        LengthPrediction(expected: min(tokens, request.maxNewTokens), upper: min(2 * tokens, request.maxNewTokens))
    }
}
