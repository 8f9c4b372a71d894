import Coordinator
import Shared
import Testing

@testable import Storage

@Suite struct ModelCodecTests {
    func probes() -> [Request] {
        syntheticExamples(count: 120, seed: 99).enumerated().map { i, example in
            Request(
                id: RequestID("p\(i)"), application: example.application, instruction: example.instruction,
                input: example.input, inputTokens: example.inputTokens, maxNewTokens: i % 10 == 0 ? 20 : 4096,
                arrival: 0)
        }
    }

    @Test(arguments: LengthFeatureSet.allCases)
    func aForestPredictsIdenticallyAfterEncodingAndDecoding(featureSet: LengthFeatureSet) throws {
        let model = PredictorModel.train(
            examples: syntheticExamples(count: 300, seed: 1), features: PredictorFeatures(featureSet: featureSet),
            forest: smallForest, upperQuantile: 0.8)
        let bytes = ModelCodec.encode(model)
        let decoded = try ModelCodec.decodePredictor(bytes)
        #expect(decoded.forest.nodes == model.forest.nodes)
        #expect(decoded.forest.roots == model.forest.roots)
        #expect(decoded.forest.featureCount == model.forest.featureCount)
        #expect(decoded.features == model.features && decoded.instructions == model.instructions)
        #expect(decoded.upperQuantile == 0.8)
        let original = model.makePredictor()
        let restored = decoded.makePredictor()
        for request in probes() {
            #expect(restored.predict(request) == original.predict(request))
        }
        #expect(ModelCodec.encode(decoded) == bytes, "encoding is deterministic")
    }

    @Test func estimatorSamplesRoundTrip() throws {
        let model = EstimatorModel(
            samples: loggedBatches(count: 50, seed: 3) { _ in 0 }.map(\.sample), k: 3, minimumSamples: 10,
            prior: AnalyticBatchTimeModel(stepOverhead: 0.07, kvReadPerToken: 1e-6, prefillPerToken: 2e-4))
        let decoded = try ModelCodec.decodeEstimator(ModelCodec.encode(model))
        #expect(decoded == model)
        #expect(try ModelCodec.decodeEstimator(ModelCodec.encode(EstimatorModel.analyticPrior)) == .analyticPrior)
    }

    @Test func damagedBytesAreRejectedWithAReason() throws {
        let bytes = ModelCodec.encode(
            PredictorModel.train(examples: syntheticExamples(count: 60, seed: 2), forest: smallForest))
        func rejects(_ damaged: [UInt8], _ reason: String) {
            #expect(throws: ModelCodingError.self, "\(reason)") { _ = try ModelCodec.decodePredictor(damaged) }
        }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        rejects(flipped, "a flipped payload bit fails the checksum")
        rejects(Array(bytes.dropLast(3)), "truncated")
        rejects([], "empty")
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        rejects(magic, "bad magic")
        var version = bytes
        version[4] = ModelCodec.formatVersion + 1
        rejects(version, "unknown format version")
        #expect(throws: ModelCodingError.self) { _ = try ModelCodec.decodeEstimator(bytes) }
    }

    @Test func aStructurallyBrokenForestIsRejectedEvenWithAValidChecksum() throws {
        let model = PredictorModel.train(examples: syntheticExamples(count: 60, seed: 2), forest: smallForest)
        var nodes = model.forest.nodes
        let split = try #require(nodes.indices.first { nodes[$0].feature >= 0 })
        nodes[split] = .stored(feature: nodes[split].feature, left: Int32(split), threshold: 0, value: 0)
        let broken = PredictorModel(
            features: model.features,
            forest: RandomForest(nodes: nodes, roots: model.forest.roots, featureCount: model.forest.featureCount),
            upperQuantile: 0.9, instructions: [])
        #expect(throws: ModelCodingError.self, "a child link pointing backwards could loop forever") {
            _ = try ModelCodec.decodePredictor(ModelCodec.encode(broken))
        }
    }

    @Test func aStoredPredictorServesIdenticallyAfterARestart() throws {
        try withTemporaryDirectory { directory in
            let examples = syntheticExamples(count: 200, seed: 5)
            let bootstrap = ModelBootstrap(forest: smallForest)
            let started = bootstrap.predictor(stored: nil, trainingFile: examples, logged: [])
            #expect(started.source == .trainingFile)
            let model = try #require(started.model)
            let record = try withStore(in: directory) { (store) throws in try store.save(started, at: 5) }
            #expect(record?.version == 1 && record?.isActive == true && record?.source == "training_file")
            #expect(record?.trainingRows == 200)

            try withStore(in: directory, epoch: 1_700_000_500) { (store) throws in
                let (loaded, stored) = try #require(try store.activePredictor())
                #expect(loaded.version == 1 && loaded.trainedAt == 5 - 500)
                let restarted = bootstrap.predictor(stored: stored, trainingFile: examples, logged: [])
                #expect(restarted.source == .storedModel && restarted.newTrainingSet == nil)
                #expect(try store.save(restarted, at: 0) == nil, "nothing new to store")
                let before = model.makePredictor()
                let after = ModelBootstrap.servingPredictor(restarted.model)
                for request in probes() { #expect(after.predict(request) == before.predict(request)) }
                #expect(try store.predictorTrainingSet() == examples)
            }
        }
    }
}
