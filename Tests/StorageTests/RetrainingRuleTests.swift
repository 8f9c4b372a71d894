import Coordinator
import Shared
import Testing

@Suite struct RetrainingRuleTests {
    let policy = RetrainingPolicy()

    @Test func thePapersNumbersAreTheDefaults() {
        #expect(policy.predictorInterval == 180 && policy.estimatorInterval == 120)
        #expect(policy.predictorErrorTokens == 10 && policy.predictorRelativeError == 0.10)
        #expect(policy.estimatorErrorSeconds == 2 && policy.estimatorRelativeError == 0.20)
    }

    /// (predicted, actual, learn?) at and around both thresholds, in both directions.
    @Test(arguments: [
        (60, 50, false),  // 10 tokens: not more than 10
        (40, 50, false),
        (61, 50, true),  // 11 tokens, 22 %
        (39, 50, true),
        (220, 200, false),  // 20 tokens but exactly 10 %
        (180, 200, false),
        (221, 200, true),  // 21 tokens, 10.5 %
        (179, 200, true),
        (121, 110, false),  // 11 tokens, exactly 10 %
        (122, 110, true),  // 12 tokens, 10.9 %
        (111, 100, true),  // 11 tokens, 11 %
        (1_000, 1_000, false),
        (11, 0, true),  // nothing generated: any error above 10 tokens counts
    ])
    func predictorFilterMatchesTheRuleAtItsBoundaries(predicted: Int, actual: Int, learn: Bool) {
        #expect(policy.predictorShouldLearn(predicted: predicted, actual: actual) == learn)
    }

    /// (estimated, actual, learn?) in seconds.
    @Test(arguments: [
        (12.0, 10.0, false),  // 2 s: not more than 2
        (8.0, 10.0, false),
        (12.5, 10.0, true),  // 2.5 s, 25 %
        (7.5, 10.0, true),
        (24.0, 20.0, false),  // 4 s but exactly 20 %
        (16.0, 20.0, false),
        (24.5, 20.0, true),  // 4.5 s, 22.5 %
        (15.5, 20.0, true),
        (110.0, 100.0, false),  // 10 s but 10 %
        (7.5, 5.0, true),  // 2.5 s, 50 %
        (7.0, 5.0, false),  // 2 s, 40 %
    ])
    func estimatorFilterMatchesTheRuleAtItsBoundaries(estimated: Double, actual: Double, learn: Bool) {
        #expect(policy.estimatorShouldLearn(estimated: estimated, actual: actual) == learn)
    }

    @Test func thresholdsAreConfigurable() {
        let strict = RetrainingPolicy(
            predictorErrorTokens: 0, predictorRelativeError: 0, estimatorErrorSeconds: 0, estimatorRelativeError: 0)
        #expect(strict.predictorShouldLearn(predicted: 51, actual: 50))
        #expect(!strict.predictorShouldLearn(predicted: 50, actual: 50))
        #expect(strict.estimatorShouldLearn(estimated: 10.001, actual: 10))
        let loose = RetrainingPolicy(predictorErrorTokens: 100, predictorRelativeError: 0.5)
        #expect(!loose.predictorShouldLearn(predicted: 160, actual: 60), "100 tokens is not more than 100")
        #expect(loose.predictorShouldLearn(predicted: 161, actual: 60))
        #expect(!loose.predictorShouldLearn(predicted: 400, actual: 299), "101 tokens but 33 %")
    }

    @Test func selectionAcceptsWhenNotWorseAndRejectsOtherwise() {
        let selection = ModelSelection()
        #expect(selection.decide(candidateError: 4, currentError: 5) == .accepted)
        #expect(selection.decide(candidateError: 5, currentError: 5) == .accepted, "equal is not worse")
        #expect(selection.decide(candidateError: 5.000001, currentError: 5) == .rejected)
        #expect(selection.decide(candidateError: .nan, currentError: 5) == .rejected)
        #expect(selection.decide(candidateError: 3, currentError: .infinity) == .accepted)
        let tolerant = ModelSelection(tolerance: 0.1)
        #expect(tolerant.decide(candidateError: 5.4, currentError: 5) == .accepted)
        #expect(tolerant.decide(candidateError: 5.6, currentError: 5) == .rejected)
    }

    @Test func theNewestRowsAreHeldOut() throws {
        let split = try #require(HoldoutSplit(oldestFirst: Array(1...100), fraction: 0.2, minimumHoldout: 10))
        #expect(split.training == Array(1...80) && split.holdout == Array(81...100))
        let small = try #require(HoldoutSplit(oldestFirst: Array(1...30), fraction: 0.2, minimumHoldout: 10))
        #expect(small.holdout == Array(21...30), "at least the minimum")
        #expect(HoldoutSplit(oldestFirst: Array(1...10), fraction: 0.2, minimumHoldout: 10) == nil)
        let rounded = try #require(HoldoutSplit(oldestFirst: Array(1...11), fraction: 0.2, minimumHoldout: 1))
        #expect(rounded.holdout == [9, 10, 11], "⌈0.2 · 11⌉ = 3")
    }

    @Test func eachLoopIsDueOnceItsIntervalHasPassed() {
        var schedule = RetrainingSchedule(policy: policy, start: 0)
        #expect(schedule.nextDeadline == 120)
        #expect(schedule.due(at: 119.9).isEmpty)
        #expect(schedule.due(at: 120) == [.estimator])
        #expect(schedule.due(at: 180) == [.predictor])
        #expect(schedule.nextDeadline == 240)
        #expect(schedule.due(at: 1_000) == [.predictor, .estimator], "a late check runs each loop once")
        #expect(schedule.nextRun[.predictor] == 1_180 && schedule.nextRun[.estimator] == 1_120)
    }

    @Test func bootstrapPrefersStoredThenFileThenLogsThenThePrior() {
        let bootstrap = ModelBootstrap(minimumLoggedRows: 50)
        #expect(bootstrap.predictorSource(hasStoredModel: true, trainingFileRows: 10, loggedRows: 100) == .storedModel)
        #expect(
            bootstrap.predictorSource(hasStoredModel: false, trainingFileRows: 10, loggedRows: 100) == .trainingFile)
        #expect(bootstrap.predictorSource(hasStoredModel: false, trainingFileRows: 0, loggedRows: 50) == .loggedData)
        #expect(bootstrap.predictorSource(hasStoredModel: false, trainingFileRows: 0, loggedRows: 49) == .prior)
        #expect(bootstrap.estimatorSource(hasStoredModel: true, loggedRows: 0) == .storedModel)
        #expect(bootstrap.estimatorSource(hasStoredModel: false, loggedRows: 50) == .loggedData)
        #expect(bootstrap.estimatorSource(hasStoredModel: false, loggedRows: 49) == .prior)

        let prior = bootstrap.predictor(stored: nil, trainingFile: [], logged: [])
        #expect(prior.source == .prior && prior.model == nil)
        #expect(ModelBootstrap.servingPredictor(nil) is LengthRatioPredictor)
        let estimator = bootstrap.estimator(stored: nil, logged: [])
        #expect(estimator.source == .prior && estimator.model?.samples.isEmpty == true)
        #expect(estimator.model?.makeEstimator().usesPrior == true)
    }

    @Test func bootstrappingFromLogsUsesEveryLoggedRow() throws {
        let examples = syntheticExamples(count: 80, seed: 12)
        let bootstrap = ModelBootstrap(forest: smallForest, minimumLoggedRows: 50)
        let started = bootstrap.predictor(stored: nil, trainingFile: [], logged: logged(examples, from: 7) { _ in 1 })
        #expect(started.source == .loggedData)
        #expect(started.newTrainingSet == examples && started.dataThrough == 86)
        let batches = loggedBatches(count: 60, seed: 3) { _ in 0 }
        let estimator = bootstrap.estimator(stored: nil, logged: batches)
        #expect(estimator.source == .loggedData && estimator.model?.samples == batches.map(\.sample))
        #expect(estimator.dataThrough == 60)
    }
}
