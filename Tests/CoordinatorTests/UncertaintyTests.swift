import Testing
import MagnusTestSupport
import Shared
@testable import Coordinator

@Suite struct UncertaintyTests {
    /// Ratios 0.1, 0.2, …, 10.0 for app "a" (100 samples), scale 10.
    func calibration() -> LengthCalibration {
        LengthCalibration.fit((1...100).map { (application: "a", scale: 10.0, actual: $0) }, minimumPerApplication: 50)
    }

    @Test func conformalQuantilesAndCDFComeFromTheRatios() {
        let c = calibration()
        #expect(c.knows("a") && !c.knows("b"))
        // rank ceil(101 · 0.9) − 1 = 90 → ratio 9.1.
        #expect(abs(c.quantile(0.9, application: "a") - 9.1) < 1e-12)
        #expect(abs(c.probability(ratioAtMost: 5.0, application: "a") - 0.5) < 1e-12)
        #expect(c.probability(ratioAtMost: 100, application: "a") == 1)
        #expect(c.probability(ratioAtMost: 0.01, application: "a") == 0)
    }

    @Test func calibratedPredictionUsesMedianAndUpperQuantile() {
        let model = UncertaintyModel(calibration: calibration())
        let request = makeRequest("r", input: 10, generation: 0, application: "a")
        let p = model.calibrate(LengthPrediction(expected: 10, upper: 10, scale: 10), for: request)
        #expect(p.expected == 51)  // 10 × ratio at rank ceil(101 · 0.5) − 1 = 50 → 5.1
        // Bounded decoding reserves memory for the cap quantile (the median by default); the
        // P90 bound is what coverage is judged on.
        #expect(p.upper == 51 && p.modelUpper == 91)
        let risk = UncertaintyModel(calibration: calibration(), configuration: UncertaintyConfiguration(boundedGeneration: false))
        let q = risk.calibrate(LengthPrediction(expected: 10, upper: 10, scale: 10), for: request)
        #expect(q.upper == 91 && q.modelUpper == 91)
        // An application without calibration is batched for its worst case.
        let unknown = model.calibrate(LengthPrediction(expected: 10, upper: 10, scale: 10), for: makeRequest("u", input: 10, generation: 0, application: "b"))
        #expect(unknown.upper == 4096)
    }

    @Test func exceedanceProbabilityMultipliesMemberFits() {
        let model = UncertaintyModel(calibration: calibration())
        let members = (0..<2).map { i in
            QueuedRequest(request: makeRequest("m\(i)", input: 10, generation: 0, application: "a"), prediction: LengthPrediction(expected: 50, upper: 91, scale: 10))
        }
        // Each fits a cap of 50 tokens with probability 0.5: risk 1 − 0.25.
        #expect(abs(model.exceedanceProbability(members, generationCap: 50) - 0.75) < 1e-12)
        #expect(model.exceedanceProbability(members, generationCap: 5_000) == 0)
        #expect(model.exceedanceProbability(members, generationCap: 0) == 1)
    }

    @Test func guardDistrustsAnApplicationWhoseOutputsEscapeAndTrustsItAgain() {
        var model = UncertaintyModel(
            calibration: calibration(),
            configuration: UncertaintyConfiguration(guardWindow: 40, guardMinimumSamples: 20, recalibrationEvery: 1_000_000))
        let prediction = LengthPrediction(expected: 51, upper: 91, scale: 10)
        for _ in 0..<20 { model.observe(application: "a", prediction: prediction, generated: 500) }
        #expect(!model.trusts("a"))
        for _ in 0..<40 { model.observe(application: "a", prediction: prediction, generated: 50) }
        #expect(model.trusts("a"))
    }

    @Test func onlineRecalibrationFollowsDrift() {
        var model = UncertaintyModel(
            calibration: calibration(), configuration: UncertaintyConfiguration(recalibrationWindow: 100, recalibrationEvery: 50))
        // The application's outputs now run at 20× the raw prediction.
        for _ in 0..<100 { model.observe(application: "a", prediction: LengthPrediction(expected: 51, upper: 91, scale: 10), generated: 200) }
        #expect(abs(model.calibration.quantile(0.5, application: "a") - 20) < 1e-9)
    }

    @Test func riskBoundedAssemblyKeepsUncertainRequestsApart() {
        // Capacity 400 token slots; app "a" is wildly uncertain (ratios up to 10×).
        var scheduler = Scheduler(
            configuration: SchedulerConfiguration(policy: .magnus, wmaThreshold: 1e12, kvTokenCapacity: 400),
            predictor: ReferencePredictor(), estimator: GenerationSecondsEstimator(),
            uncertainty: UncertaintyModel(
                calibration: calibration(), configuration: UncertaintyConfiguration(riskTarget: 0.05, boundedGeneration: false)))
        for i in 0..<6 {
            var request = makeRequest("r\(i)", input: 10, generation: 10, application: "a")
            request.maxNewTokens = 400
            _ = scheduler.submit(request)
        }
        // Point predictions alone (median 51 + 10 input) would put all six in one batch
        // (6 × 61 = 366 ≤ 400). With the risk bound: three members may each generate up to
        // 400 / 3 − 10 = 123 tokens, beyond every calibrated ratio (risk 0); four could only
        // reach 90 (each fits with probability 0.89, risk 0.37 > 0.05).
        for batch in scheduler.queue {
            let cap = 400 / batch.members.count - batch.shape.maxInput
            #expect(scheduler.uncertainty!.exceedanceProbability(batch.members, generationCap: cap) <= 0.05)
        }
        #expect(scheduler.queue.map(\.members.count) == [3, 3])
        var plain = makeScheduler(threshold: 1e12, capacity: 400)
        for i in 0..<6 {
            var request = makeRequest("r\(i)", input: 10, generation: 51, application: "a")
            request.maxNewTokens = 400
            _ = plain.submit(request)
        }
        #expect(plain.queue.map(\.members.count) == [6])
    }
}
