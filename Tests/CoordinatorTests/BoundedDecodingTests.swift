import Testing
import Shared
@testable import Coordinator
import MagnusTestSupport

/// Bounded decoding: capped batches whose memory is reserved for the cap, and requests that
/// reach the cap continuing in later batches until their output is whole.
@Suite struct BoundedDecodingTests {
    /// Ratios 0.1, 0.2, …, 10.0 for app "a" (100 samples).
    func calibration() -> LengthCalibration {
        LengthCalibration.fit((1...100).map { (application: "a", scale: 10.0, actual: $0) }, minimumPerApplication: 50)
    }

    /// A predictor whose raw output (scale) is always 10 tokens.
    struct ScaleTen: LengthPredicting {
        func predict(_ request: Request) -> LengthPrediction { LengthPrediction(expected: 10, upper: 10, scale: 10) }
    }

    func makeBoundedScheduler(capacity: Int = 1_000_000, prefill: PrefillMemory? = nil) -> Scheduler {
        Scheduler(
            configuration: SchedulerConfiguration(
                policy: .magnus, wmaThreshold: 1e12, kvTokenCapacity: capacity, prefillMemory: prefill),
            predictor: ScaleTen(), estimator: GenerationSecondsEstimator(),
            uncertainty: UncertaintyModel(calibration: calibration()))
    }

    func request(_ id: String, input: Int = 10, reference: Int, maxNewTokens: Int = 400) -> Request {
        Request(
            id: RequestID(id), application: "a", instruction: "Do it:", input: "x", inputTokens: input,
            maxNewTokens: maxNewTokens, arrival: 0, referenceOutputTokens: reference)
    }

    @Test func aBatchIsCappedAtItsMembersLargestReservedBoundAndItsItemsSaySo() throws {
        var scheduler = makeBoundedScheduler()
        _ = scheduler.submit(request("r1", reference: 30))
        _ = scheduler.submit(request("r2", reference: 200, maxNewTokens: 20))
        let batchPulled = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0)
        let batch = try #require(batchPulled)
        // Cap quantile 0.5 of the ratio × scale 10 = 51 tokens; r2 may only generate 20.
        #expect(batch.generationCap == 51)
        let limits = Dictionary(uniqueKeysWithValues: batch.items.map { ($0.id.rawValue, $0.maxNewTokens) })
        #expect(limits == ["r1": 51, "r2": 20])
        #expect(batch.items.allSatisfy { $0.continuation == nil })
    }

    @Test func aRowStoppedAtTheCapContinuesAndItsOutputIsJoined() throws {
        var scheduler = makeBoundedScheduler()
        _ = scheduler.submit(request("short", reference: 30))
        _ = scheduler.submit(request("long", reference: 120))
        let firstPulled = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0)
        let first = try #require(firstPulled)
        let cap = try #require(first.generationCap)
        let actions = scheduler.complete(
            BatchReport(
                batchID: first.id, worker: WorkerID("w"), duration: 5,
                outputs: [
                    RequestOutput(id: RequestID("short"), text: "done", generatedTokens: 30, finished: true),
                    RequestOutput(id: RequestID("long"), text: "part one ", generatedTokens: cap, finished: false),
                ]),
            now: 5)
        let completed = actions.compactMap { if case .completed(let c) = $0 { c.request.id.rawValue } else { nil } }
        #expect(completed == ["short"])
        #expect(actions.contains(.continued(RequestID("long"), tokens: cap)))
        #expect(scheduler.contains(RequestID("long")) && scheduler.queuedRequestCount == 1)

        let secondPulled = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 5)
        let second = try #require(secondPulled)
        let item = try #require(second.items.first)
        #expect(item.id == RequestID("long") && item.continuation == "part one ")
        #expect(item.inputTokens == 10 + cap)
        #expect(item.simulatedOutputTokens == 120 - cap)
        #expect(item.maxNewTokens <= 400 - cap)
        let done = scheduler.complete(
            BatchReport(
                batchID: second.id, worker: WorkerID("w"), duration: 5,
                outputs: [RequestOutput(id: RequestID("long"), text: "part two", generatedTokens: 120 - cap, finished: true)]),
            now: 10)
        let result = try #require(done.compactMap { if case .completed(let c) = $0 { c } else { nil } }.first)
        #expect(result.output.text == "part one part two")
        #expect(result.output.generatedTokens == 120)
        // Its time in the queue ended with the first dispatch, at 0.
        #expect(result.dispatchedAt == 0 && result.finishedAt == 10)
        // The reply reports the prediction made on submission, not the continuation's.
        #expect(result.prediction.expected == 51 && result.prediction.modelUpper == 91)
        #expect(!scheduler.contains(RequestID("long")) && scheduler.unfinishedRequestCount == 0)
    }

    @Test func aRowThatEndsExactlyAtTheCapIsFinished() throws {
        var scheduler = makeBoundedScheduler()
        _ = scheduler.submit(request("r", reference: 51))
        let batchPulled = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0)
        let batch = try #require(batchPulled)
        let actions = scheduler.complete(
            BatchReport(
                batchID: batch.id, worker: WorkerID("w"), duration: 1,
                outputs: [RequestOutput(id: RequestID("r"), text: "t", generatedTokens: 51, finished: true)]),
            now: 1)
        #expect(actions.contains { if case .completed = $0 { true } else { false } })
        #expect(scheduler.unfinishedRequestCount == 0)
    }

    @Test func aRowAtItsOwnTokenLimitIsFinishedEvenWithoutEOS() throws {
        var scheduler = makeBoundedScheduler()
        _ = scheduler.submit(request("r", reference: 500, maxNewTokens: 40))
        let batchPulled = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0)
        let batch = try #require(batchPulled)
        #expect(batch.items[0].maxNewTokens == 40)
        let actions = scheduler.complete(
            BatchReport(
                batchID: batch.id, worker: WorkerID("w"), duration: 1,
                outputs: [RequestOutput(id: RequestID("r"), text: "t", generatedTokens: 40, finished: false)]),
            now: 1)
        #expect(actions.contains { if case .completed = $0 { true } else { false } })
    }

    @Test func aWorkerWithoutContinuationSupportGetsUncappedBatches() throws {
        var scheduler = makeBoundedScheduler()
        _ = scheduler.submit(request("r", reference: 30))
        var old = bigWorker
        old.continuation = false
        let pulled = scheduler.nextBatch(for: WorkerID("old"), capabilities: old, now: 0)
        let batch = try #require(pulled)
        #expect(batch.generationCap == nil && batch.items[0].maxNewTokens == 400)
    }

    @Test func aRowTheEngineStoppedBelowTheCapStillContinues() throws {
        // The engine's own limit, or a character split at the cap, ends a row early without EOS.
        var scheduler = makeBoundedScheduler()
        _ = scheduler.submit(request("r", reference: 300))
        let pulled = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0)
        let batch = try #require(pulled)
        let actions = scheduler.complete(
            BatchReport(
                batchID: batch.id, worker: WorkerID("w"), duration: 1,
                outputs: [RequestOutput(id: RequestID("r"), text: "t", generatedTokens: 20, finished: false)]),
            now: 1)
        #expect(actions.contains(.continued(RequestID("r"), tokens: 20)))
    }

    @Test func hugeTokenLimitsAreClampedToTheCache() {
        var scheduler = makeBoundedScheduler(capacity: 1_000)
        let actions = scheduler.submit(request("r", reference: 30, maxNewTokens: Int.max / 2))
        guard case .accepted(_, let prediction) = actions.first else {
            Issue.record("not accepted: \(actions)")
            return
        }
        #expect(prediction.upper <= 1_000 && prediction.modelUpper <= 1_000)
        #expect(scheduler.queue.first.map { $0.shape.kvTokens(upper: true) } ?? 0 <= 2_000)
    }

    @Test func memoryIsReservedForTheCapSoBatchesPackToCapacity() {
        // Each request reserves 10 input + 51 capped tokens = 61 slots: six fit in 400.
        var scheduler = makeBoundedScheduler(capacity: 400)
        for i in 0..<7 { _ = scheduler.submit(request("r\(i)", reference: 30)) }
        #expect(scheduler.queue.map(\.members.count) == [6, 1])
        for batch in scheduler.queue { #expect(batch.shape.kvTokens(upper: true) <= 400) }
    }

    @Test func continuationPredictsTheConditionalRemainder() {
        let model = UncertaintyModel(calibration: calibration())
        let original = LengthPrediction(expected: 51, upper: 51, modelUpper: 91, scale: 10)
        // Given G > 51, the ratios above 5.1 are 5.2 … 10.0 (49 values); their median
        // (rank ceil(50 · 0.5) − 1 = 24) is 7.6, so 76 − 51 = 25 tokens remain.
        let next = model.continuation(of: original, application: "a", generated: 51, remaining: 349)
        #expect(next.expected == 25 && next.upper == 25)
        // Past every calibration sample: as many tokens again, twice that reserved.
        let beyond = model.continuation(of: original, application: "a", generated: 150, remaining: 1_000)
        #expect(beyond.expected == 150 && beyond.upper == 300)
        // Never beyond what the request may still generate.
        #expect(model.continuation(of: original, application: "a", generated: 150, remaining: 20).upper == 20)
    }

    @Test func adoptedCalibrationReplacesAnApplicationsRatios() {
        var model = UncertaintyModel(calibration: calibration())
        let measured = LengthCalibration.fit(
            (1...40).map { _ in (application: "a", scale: 10.0, actual: 20) }, minimumPerApplication: 30)
        model.adopt(measured)
        #expect(model.calibration.quantile(0.9, application: "a") == 2)
        // An application the new calibration lacks keeps no distribution of its own.
        #expect(!model.calibration.knows("b"))
    }

    @Test func guardThresholdsFollowTheUpperLevel() {
        var model = UncertaintyModel(
            calibration: calibration(),
            configuration: UncertaintyConfiguration(upperLevel: 0.5, guardWindow: 20, guardMinimumSamples: 20, recalibrationEvery: 1_000_000))
        // Half the outputs within the bound: coverage 0.5 = upperLevel, still trusted.
        let prediction = LengthPrediction(expected: 51, upper: 51, modelUpper: 51, scale: 10)
        for i in 0..<20 { model.observe(application: "a", prediction: prediction, generated: i % 2 == 0 ? 10 : 80) }
        #expect(model.trusts("a"))
        for _ in 0..<20 { model.observe(application: "a", prediction: prediction, generated: 80) }
        #expect(!model.trusts("a"))
    }

    @Test func prefillMemoryLimitsTheBatchBeyondTheKVCheck() {
        let prefill = PrefillMemory(budgetBytes: 1_000, bytesPerToken: 10, bytesPerTokenPair: 0)
        #expect(prefill.fits(batchSize: 10, paddedInput: 10) && !prefill.fits(batchSize: 11, paddedInput: 10))
        #expect(PrefillMemory(budgetBytes: 100, bytesPerToken: 0, bytesPerTokenPair: 1).requiredBytes(batchSize: 2, paddedInput: 5) == 50)
        // KV alone would take every request into one batch; the prefill allows 10 rows of 10 tokens.
        var scheduler = makeBoundedScheduler(prefill: prefill)
        for i in 0..<15 { _ = scheduler.submit(request("r\(i)", reference: 30)) }
        #expect(scheduler.queue.map(\.members.count) == [10, 5])
        // A worker announcing a smaller prefill budget only gets batches that fit it.
        var small = bigWorker
        small.prefill = PrefillMemory(budgetBytes: 600, bytesPerToken: 10, bytesPerTokenPair: 0)
        let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: small, now: 0)
        #expect(batch?.members.count == 5)
    }
}
