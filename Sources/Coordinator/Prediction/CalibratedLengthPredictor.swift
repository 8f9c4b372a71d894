import Shared

/// Wraps a predictor with a `LengthCalibration`: the expected length becomes the calibrated
/// median and the upper bound the calibrated `upperLevel` quantile, per application.
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
        let upper = raw.scale * calibration.quantile(upperLevel, application: request.application)
        return LengthPrediction(
            expected: min(cap, Int(median.rounded())), upper: min(cap, Int(upper.rounded(.up))), scale: raw.scale)
    }

    /// Trains a forest on most of the examples and calibrates on the rest.
    /// - Parameter calibrationFraction: share of examples held out for calibration.
    public static func train(
        examples: [LengthExample], calibrationFraction: Double = 0.2, extractor: LengthFeatureExtractor = .init(),
        forest: RandomForestConfiguration = .init(), upperLevel: Double = 0.9
    ) -> CalibratedLengthPredictor {
        // Every k-th example is held out, so each application is represented in both parts.
        let step = max(2, Int((1 / max(calibrationFraction, 0.01)).rounded()))
        var training: [LengthExample] = []
        var held: [LengthExample] = []
        for (index, example) in examples.enumerated() {
            if index % step == 0 { held.append(example) } else { training.append(example) }
        }
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
}
