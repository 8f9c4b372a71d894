import Testing
import MagnusTestSupport
import Shared
@testable import Coordinator

@Suite struct PredictionTests {
    @Test func compressionSumsGroupsAndScalesBySquareRootOfGroupSize() {
        let compressor = EmbeddingCompressor(groups: 2)
        #expect(compressor.compress([1, 2, 3, 4, 5, 6, 7, 8]) == [10 / 2, 26 / 2])
    }

    @Test func hashingEmbedderIsDeterministicNormalisedAndSeparatesTexts() {
        let embedder = HashingTextEmbedder()
        let a = embedder.embed("Translate the following English text into Chinese:")
        #expect(a.count == 768)
        #expect(a == embedder.embed("Translate the following English text into Chinese:"))
        let norm = a.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-9)
        let b = embedder.embed("Fix the bugs in the following code:")
        let similarity = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(similarity < 0.9)
        let chinese = embedder.embed("声明补充说，沃伦的同事都深感震惊")
        #expect(chinese.contains { $0 != 0 })
    }

    @Test func featureVectorHasThePapersShape() {
        let extractor = LengthFeatureExtractor(featureSet: .paper)
        let features = extractor.features(instruction: "Fix:", input: "int a = 1;", inputTokens: 9)
        #expect(features.count == 21 && extractor.featureCount == 21)
        #expect(features[20] == 9)
        #expect(LengthFeatureExtractor(featureSet: .extended).featureCount == 27)
    }

    @Test func forestLearnsAPerApplicationLinearRelation() {
        // App "double" answers with twice the input length, app "half" with half of it.
        var generator = SplitMix64(seed: 1)
        var examples: [LengthExample] = []
        let words = ["alpha", "beta", "gamma", "delta", "omega", "sigma"]
        func text(_ length: Int) -> String {
            (0..<(length / 5 + 1)).map { _ in words[Int(generator.next() % 6)] }.joined(separator: " ")
        }
        for i in 0..<1_200 {
            let length = 5 + Int(generator.next() % 200)
            let text = text(length)
            let doubling = i % 2 == 0
            examples.append(
                LengthExample(
                    application: doubling ? "double" : "half", instruction: doubling ? "Repeat twice:" : "Summarise:",
                    input: text, inputTokens: length, generatedTokens: doubling ? 2 * length : length / 2 + 1))
        }
        let predictor = ForestLengthPredictor.train(
            examples: examples, forest: RandomForestConfiguration(trees: 30, seed: 3))
        func predicted(_ instruction: String, _ length: Int) -> Int {
            predictor.predict(
                Request(
                    id: RequestID("q"), application: "", instruction: instruction, input: text(length),
                    inputTokens: length, maxNewTokens: 4096, arrival: 0)
            ).expected
        }
        #expect(abs(predicted("Repeat twice:", 100) - 200) <= 20)
        #expect(abs(predicted("Summarise:", 100) - 51) <= 10)
        #expect(abs(predicted("Repeat twice:", 40) - 80) <= 12)
        let prediction = predictor.predict(
            Request(id: RequestID("q"), application: "", instruction: "Repeat twice:", input: text(150), inputTokens: 150,
                    maxNewTokens: 100, arrival: 0))
        #expect(prediction.expected == 100, "predictions are capped at max_new_tokens")
        #expect(prediction.upper >= prediction.expected)
    }

    @Test func forestTrainingIsDeterministicForASeed() {
        let rows = (0..<300).map { i in [Double(i % 17), Double(i % 5), Double(i)] }
        let targets = rows.map { $0[0] * 3 + $0[1] }
        let configuration = RandomForestConfiguration(trees: 30, seed: 9)
        let a = RandomForestTrainer(configuration: configuration).train(rows: rows, targets: targets)
        let b = RandomForestTrainer(configuration: configuration).train(rows: rows, targets: targets)
        #expect(a.nodes == b.nodes)
        #expect(abs(a.predict([4, 2, 100]) - 14) < 3)
        let (mean, upper) = a.predictWithSpread([4, 2, 100], quantile: 0.9)
        #expect(upper >= mean - 1e-9)
    }

    @Test func quantileInterpolatesSortedValues() {
        #expect(RandomForest.quantile(ofSorted: [1, 2, 3, 4, 5], 0.5) == 3)
        #expect(RandomForest.quantile(ofSorted: [0, 10], 0.9) == 9)
    }

    @Test func oracleReturnsTheTruthCappedAtMaxNewTokens() {
        var request = makeRequest("a", input: 10, generation: 77)
        #expect(OracleLengthPredictor().predict(request) == LengthPrediction(expected: 77, upper: 77))
        request.maxNewTokens = 50
        #expect(OracleLengthPredictor().predict(request).expected == 50)
    }
}

@Suite struct EstimationTests {
    @Test func knnReturnsTheExactNearestNeighbours() {
        let points: [(Double, Double, Double)] = [(1, 10, 10), (2, 10, 10), (8, 100, 100), (9, 100, 100), (4, 50, 50)]
        let knn = KNNRegressor(k: 2, points: points, targets: [1, 2, 8, 9, 4])
        #expect(knn.neighbours(of: (8.5, 100, 100)).sorted() == [2, 3])
        #expect(knn.predict((8.5, 100, 100)) == 8.5)
        #expect(knn.neighbours(of: (1, 10, 10)).first == 0)
    }

    @Test func knnScalesFeaturesSoLargeUnitsDoNotDominate() {
        // Without scaling, the L(B) axis (hundreds) would swamp β (units).
        let points: [(Double, Double, Double)] = [(1, 100, 10), (16, 110, 10), (1, 400, 10), (16, 400, 10)]
        let knn = KNNRegressor(k: 1, points: points, targets: [1, 2, 3, 4])
        #expect(knn.neighbours(of: (16, 150, 10)) == [1])
    }

    @Test func estimatorUsesThePriorUntilItHasEnoughSamples() {
        let prior = AnalyticBatchTimeModel(stepOverhead: 0.05, kvReadPerToken: 1e-6, prefillPerToken: 1e-4)
        let features = BatchFeatures(batchSize: 4, maxInput: 100, maxGeneration: 50)
        // 0.0001·4·100 + 50·0.05 + 1e-6·4·(50·100 + 50·51/2) = 0.04 + 2.5 + 0.0251 = 2.5651
        #expect(abs(prior.estimate(features) - 2.5651) < 1e-9)
        let few = KNNBatchTimeEstimator(samples: [BatchTimeSample(features: features, seconds: 99)], minimumSamples: 5, prior: prior)
        #expect(few.usesPrior && few.estimate(features) == prior.estimate(features))
        let samples = (1...10).map { i in
            BatchTimeSample(features: BatchFeatures(batchSize: i, maxInput: 100, maxGeneration: 50), seconds: Double(i))
        }
        let trained = KNNBatchTimeEstimator(samples: samples, k: 1, minimumSamples: 5, prior: prior)
        #expect(!trained.usesPrior)
        #expect(trained.estimate(BatchFeatures(batchSize: 7, maxInput: 100, maxGeneration: 50)) == 7)
    }
}

@Suite struct LengthTargetTests {
    @Test func logTargetForestPredictsTheMedianOfASkewedTarget() {
        // One feature value, targets 10 (× 9) and 1,000 (× 1): mean 109, median 10.
        let rows = (0..<200).map { _ in [1.0] }
        let targets = (0..<200).map { $0 % 10 == 0 ? 1_000.0 : 10.0 }
        let configuration = RandomForestConfiguration(trees: 20, minSamplesLeaf: 1, seed: 4)
        let mean = RandomForestTrainer(configuration: configuration).train(rows: rows, targets: targets).predict([1])
        let median = LogTargetForest.train(rows: rows, targets: targets, configuration: configuration)
            .predict([1], upperQuantile: 0.9).point
        #expect(abs(mean - 109) < 15)
        // exp(mean of log(1 + G)) − 1 = exp(0.9 ln 11 + 0.1 ln 1001) − 1 ≈ 18.6: near the median, far below the mean.
        #expect(median < 25 && median > 10)
    }
}
