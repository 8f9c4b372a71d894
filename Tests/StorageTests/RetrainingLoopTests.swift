import Coordinator
import MagnusTestSupport
import Shared
import Testing

@testable import Storage

@Suite struct RetrainingLoopTests {
    let policy = RetrainingPolicy(minimumHoldoutRows: 20)

    /// Serves `examples` through a GLP scheduler (WMA batching with predictions, β ≤ 8):
    /// each is journalled, dispatched and finished with its true length; each batch takes
    /// `trueBatchTime` of its predicted features.
    func serve(
        _ examples: [LengthExample], scheduler: inout Scheduler, store: LogStore, from first: Int, at now: Seconds
    ) throws {
        for (offset, example) in examples.enumerated() {
            let request = Request(
                id: RequestID("q\(first + offset)"), application: example.application, instruction: example.instruction,
                input: example.input, inputTokens: example.inputTokens, maxNewTokens: 4096, arrival: now,
                referenceOutputTokens: example.generatedTokens)
            try submit(request, to: &scheduler, store: store, now: now)
        }
        var clock = now
        while let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: testWorker, now: clock) {
            try store.markDispatched(batch, at: clock)
            clock += 1
            try store.record(
                scheduler.complete(report(for: batch, duration: trueBatchTime(batch.features)), now: clock), at: clock)
        }
    }

    func makeScheduler(predictor: any LengthPredicting) -> Scheduler {
        Scheduler(
            // Φ so large that GLP always fills batches to 8: 64 requests make exactly 8 batches.
            configuration: SchedulerConfiguration(policy: .glp(batchSize: 8), wmaThreshold: 1e12, kvTokenCapacity: 10_000_000),
            predictor: predictor, estimator: AnalyticBatchTimeModel())
    }

    @Test func aPredictorThatLearnsADriftIsAcceptedAndBecomesActive() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                let bootstrap = ModelBootstrap(forest: smallForest)
                let started = bootstrap.predictor(
                    stored: nil, trainingFile: syntheticExamples(count: 300, seed: 1), logged: [])
                try store.save(started, at: 0)
                var scheduler = makeScheduler(predictor: ModelBootstrap.servingPredictor(started.model))

                // The applications' outputs became twice as long.
                try serve(
                    syntheticExamples(count: 200, seed: 2, scale: 2), scheduler: &scheduler, store: store, from: 0,
                    at: 10)
                let (trainingSet, recent) = try store.predictorRetrainingInput(policy: policy)
                #expect(trainingSet.count == 300 && recent.count == 200)

                let trainer = PredictorTrainer(policy: policy, forest: smallForest)
                let candidate = try #require(
                    trainer.retrain(trainingSet: trainingSet, recent: recent, current: scheduler.predictor).candidate)
                let learnable = recent.prefix(160).filter {
                    policy.predictorShouldLearn(predicted: $0.prediction.expected, actual: $0.generatedTokens)
                }
                #expect(candidate.holdoutRows == 40)
                #expect(candidate.added == learnable.map(\.example) && !learnable.isEmpty)
                #expect(candidate.trainingSet.count == 300 + learnable.count)
                #expect(candidate.candidateError < candidate.currentError)
                #expect(candidate.decision == .accepted)
                #expect(candidate.dataThrough == recent[159].logPosition)

                let record = try store.save(candidate, at: 500)
                #expect(record.version == 2 && record.isActive && record.status == .accepted)
                #expect(
                    record.validationError == candidate.candidateError && record.baselineError == candidate.currentError
                )
                #expect(try store.modelHistory(.predictor).map(\.isActive) == [false, true])
                #expect(try store.predictorTrainingSet() == candidate.trainingSet)

                // Swap it in; the next run starts after the accepted model's data: the 40 held-out rows.
                let (_, active) = try #require(try store.activePredictor())
                scheduler.replacePredictor(active.makePredictor())
                #expect(
                    try store.predictorRetrainingInput(policy: policy).recent.map(\.logPosition)
                        == recent.suffix(40).map(\.logPosition))
            }
        }
    }

    @Test func aWorsePredictorIsKeptAsRejectedAndTheOldOneStaysActive() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                let bootstrap = ModelBootstrap(forest: smallForest)
                let started = bootstrap.predictor(
                    stored: nil, trainingFile: syntheticExamples(count: 300, seed: 1), logged: [])
                try store.save(started, at: 0)
                let current = try #require(started.model).makePredictor()

                // A transient burst of mislabelled rows (three times too long), then normal traffic held out.
                let rows = logged(
                    syntheticExamples(count: 160, seed: 3, scale: 3) + syntheticExamples(count: 40, seed: 4)
                ) {
                    current.predict(
                        Request(
                            id: RequestID("x"), application: $0.application, instruction: $0.instruction,
                            input: $0.input, inputTokens: $0.inputTokens, maxNewTokens: 4096, arrival: 0)
                    ).expected
                }
                let trainer = PredictorTrainer(policy: policy, forest: smallForest)
                let candidate = try #require(
                    trainer.retrain(trainingSet: try store.predictorTrainingSet(), recent: rows, current: current)
                        .candidate)
                #expect(candidate.candidateError > candidate.currentError)
                #expect(candidate.decision == .rejected)

                let record = try store.save(candidate, at: 100)
                #expect(record.version == 2 && record.status == .rejected && !record.isActive)
                let (active, model) = try #require(try store.activePredictor())
                #expect(active.version == 1)
                #expect(model.forest.nodes == started.model?.forest.nodes)
                #expect(try store.predictorTrainingSet().count == 300, "a rejected run adds nothing")
                #expect(throws: StorageError.self) { try store.activate(.predictor, version: 2) }
            }
        }
    }

    @Test func anEstimatorTrainedOnLoggedBatchesReplacesAWrongPrior() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                let wrong = EstimatorModel(samples: [], prior: AnalyticBatchTimeModel(stepOverhead: 0.5))
                let prior = wrong.makeEstimator()
                let rows = loggedBatches(count: 200, seed: 8) { prior.estimate($0) }
                let candidate = try #require(
                    EstimatorTrainer(policy: policy).retrain(current: wrong, recent: rows).candidate)
                #expect(candidate.added.count == 160, "no samples yet: every training row is used")
                #expect(candidate.decision == .accepted && candidate.candidateError < candidate.currentError / 2)
                let record = try store.save(candidate, at: 120)
                #expect(record.version == 1 && record.isActive && record.dataThrough == 160)
                let (_, loaded) = try #require(try store.activeEstimator())
                #expect(loaded == candidate.model)
            }
        }
    }

    @Test func aWorseEstimatorIsRejectedAndTheOldSamplesStayActive() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                let good = EstimatorModel(samples: loggedBatches(count: 300, seed: 10) { _ in 0 }.map(\.sample))
                let started = BootstrappedModel<EstimatorModel, BatchTimeSample>(
                    source: .loggedData, model: good, newTrainingSet: good.samples, dataThrough: 300)
                try store.save(started, at: 0)

                // A slowdown logged at exactly the held-out batches' shapes, five times too slow.
                let holdout = loggedBatches(count: 40, from: 461, seed: 11) { trueBatchTime($0) }
                let slow = (0..<160).map { i in
                    let shape = holdout[i % 40].features
                    return LoggedBatch(
                        features: shape, actualMaxGeneration: shape.maxGeneration, estimatedTime: trueBatchTime(shape),
                        actualTime: 5 * trueBatchTime(shape), finishedAt: Double(i), logPosition: 301 + Int64(i))
                }
                let candidate = try #require(
                    EstimatorTrainer(policy: policy).retrain(current: good, recent: slow + holdout).candidate)
                #expect(candidate.added.count == 160)
                #expect(candidate.decision == .rejected && candidate.candidateError > candidate.currentError)
                let record = try store.save(candidate, at: 120)
                #expect(record.status == .rejected && !record.isActive)
                #expect(try store.activeEstimator()?.model == good)
                #expect(try store.activeEstimator()?.record.version == 1)
            }
        }
    }

    @Test func aPredictorCandidateComesWithItsHeldOutCalibration() throws {
        let examples = syntheticExamples(count: 400, seed: 11)
        var trainer = PredictorTrainer(policy: policy, forest: smallForest)
        trainer.calibrationMinimumPerApplication = 5
        let outcome = trainer.retrain(trainingSet: [], recent: logged(examples) { _ in 1 }, current: LengthRatioPredictor())
        let candidate = try #require(outcome.candidate)
        let calibration = try #require(candidate.calibration)
        // Every application of the held-out rows is calibrated, with the candidate's ratios.
        let applications = Set(examples.map(\.application))
        #expect(!calibration.ratios.isEmpty && Set(calibration.ratios.keys).isSubset(of: applications))
        let held = calibration.ratios.values.reduce(0) { $0 + $1.count }
        #expect(held == candidate.holdoutRows)
        // Adopted by an uncertainty-aware scheduler, which keeps serving.
        var scheduler = Scheduler(
            configuration: SchedulerConfiguration(policy: .magnus, kvTokenCapacity: 100_000),
            predictor: LengthRatioPredictor(), estimator: AnalyticBatchTimeModel(),
            uncertainty: UncertaintyModel(calibration: LengthCalibration()))
        scheduler.replacePredictor(candidate.model.makePredictor(), calibration: calibration)
        for application in calibration.ratios.keys { #expect(scheduler.uncertainty!.trusts(application)) }
    }

    @Test func runsWithoutEnoughDataOrWithoutBadPredictionsAreSkipped() throws {
        let examples = syntheticExamples(count: 100, seed: 6)
        let trainer = PredictorTrainer(policy: policy, forest: smallForest)
        let few = trainer.retrain(
            trainingSet: examples, recent: logged(Array(examples.prefix(20))) { $0.generatedTokens },
            current: LengthRatioPredictor())
        #expect(few.candidate == nil)
        let accurate = trainer.retrain(
            trainingSet: examples, recent: logged(examples) { $0.generatedTokens + 10 },
            current: LengthRatioPredictor())
        guard case .skipped(let reason) = accurate else {
            Issue.record("every prediction was within 10 tokens: nothing to learn")
            return
        }
        #expect(reason.contains("10 tokens"))

        let good = EstimatorModel(samples: loggedBatches(count: 50, seed: 1) { _ in 0 }.map(\.sample))
        let close = loggedBatches(count: 100, seed: 2) { trueBatchTime($0) + 1.9 }
        #expect(EstimatorTrainer(policy: policy).retrain(current: good, recent: close).candidate == nil)
    }

    @Test func theEstimatorLoopReadsFinishedBatchesFromTheLog() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                var scheduler = makeScheduler(predictor: ReferencePredictor())
                try serve(syntheticExamples(count: 64, seed: 9), scheduler: &scheduler, store: store, from: 0, at: 0)
                let batches = try store.estimatorRetrainingInput(policy: policy)
                #expect(batches.count == 8)
                #expect(batches.map(\.logPosition) == batches.map(\.logPosition).sorted())
                for batch in batches {
                    #expect(batch.actualTime == trueBatchTime(batch.features))
                    #expect(batch.estimatedTime == AnalyticBatchTimeModel().estimate(batch.features))
                }
                #expect(try store.recentBatches(after: batches[5].logPosition, limit: 10).count == 2)
                #expect(try store.recentRequests(after: nil, limit: 10).count == 10)
            }
        }
    }
}
