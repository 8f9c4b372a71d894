import Shared

/// Wraps a predictor with a `LengthCalibration`: the expected length becomes the calibrated
/// median and the upper bound the calibrated `upperLevel` bound in whole tokens
/// (`LengthCalibration.bound`), per application.
public struct CalibratedLengthPredictor: LengthPredicting {
    public let base: any LengthPredicting
    public var calibration: LengthCalibration
    public let upperLevel: Double

    public init(base: any LengthPredicting, calibration: LengthCalibration, upperLevel: Double = 0.9) {
        self.base = base
        self.calibration = calibration
        self.upperLevel = upperLevel
    }

    public func predict(_ request: Request) -> LengthPrediction {
        let raw = base.predict(request)
        let cap = max(1, request.maxNewTokens)
        let median = raw.scale * calibration.quantile(0.5, application: request.application)
        let upper = calibration.bound(upperLevel, application: request.application, scale: raw.scale)
        return LengthPrediction(expected: min(cap, Int(median.rounded())), upper: min(cap, upper), scale: raw.scale)
    }

    /// Trains a forest on most of the examples and calibrates on the rest.
    /// - Parameter calibrationFraction: share of examples held out for calibration.
    public static func train(
        examples: [LengthExample], calibrationFraction: Double = 0.2, extractor: LengthFeatureExtractor = .init(),
        forest: RandomForestConfiguration = .init(), upperLevel: Double = 0.9
    ) -> CalibratedLengthPredictor {
        let (training, held) = split(examples, calibrationFraction: calibrationFraction)
        let predictor = ForestLengthPredictor.train(examples: training, extractor: extractor, forest: forest)
        let samples = held.map { example -> (application: String, scale: Double, actual: Int) in
            let request = Request(
                id: RequestID("calibration"), application: example.application, instruction: example.instruction,
                input: example.input, inputTokens: example.inputTokens, maxNewTokens: Int.max / 4, arrival: 0)
            return (example.application, predictor.predict(request).scale, example.generatedTokens)
        }
        return CalibratedLengthPredictor(
            base: predictor, calibration: LengthCalibration.fit(samples), upperLevel: upperLevel)
    }

    /// Splits examples into a training part and a calibration part: every k-th distinct
    /// input (k = 1 / `calibrationFraction`, at least 2), in order of first appearance, is
    /// held out with all its examples, so each application is represented in both parts and
    /// an input answered several times (open chat: by several models) never sits on both
    /// sides, which would make the held-out errors look smaller than they are. With unique
    /// inputs this holds out every k-th example. Rows without input text (traces) are each
    /// their own group: they share no prompt, only the empty string.
    /// - Complexity: O(total input length).
    public static func split(
        _ examples: [LengthExample], calibrationFraction: Double = 0.2
    ) -> (training: [LengthExample], calibration: [LengthExample]) {
        let step = max(2, Int((1 / max(calibrationFraction, 0.01)).rounded()))
        var rank: [String: Int] = [:]
        var groups = 0
        var training: [LengthExample] = []
        var held: [LengthExample] = []
        for example in examples {
            let group: Int
            if !example.input.isEmpty, let known = rank[example.input] {
                group = known
            } else {
                group = groups
                groups += 1
                if !example.input.isEmpty { rank[example.input] = group }
            }
            if group % step == 0 { held.append(example) } else { training.append(example) }
        }
        return (training, held)
    }
}
