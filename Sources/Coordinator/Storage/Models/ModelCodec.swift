import Coordinator
import Shared

/// Encodes models to compact bytes for the `models` table, and back.
///
/// Layout (little-endian): the magic `MGNM`, a format-version byte, a kind byte
/// (1 = predictor, 2 = estimator), the payload length (UInt64), the payload, and a 64-bit
/// FNV-1a checksum of the payload. A predictor's payload holds its `PredictorFeatures`,
/// upper quantile, known instructions and the flat forest (24 bytes per node); an
/// estimator's holds k, the minimum sample count, the analytic prior and its samples.
/// Decoding validates the structure (child links point forward and inside the node array,
/// features exist), so a damaged blob fails loudly instead of crashing a prediction.
public enum ModelCodec {
    /// The format this build writes and reads.
    public static let formatVersion: UInt8 = 1
    static let magic: [UInt8] = Array("MGNM".utf8)

    // MARK: - Predictor

    /// - Complexity: O(nodes + instruction text).
    public static func encode(_ model: PredictorModel) -> [UInt8] {
        var payload = ByteWriter(capacity: 64 + model.forest.nodes.count * 24)
        let features = model.features
        payload.append(features.featureSet.rawValue)
        payload.append(UInt32(features.embeddingDimension))
        payload.append(features.characterWeight)
        payload.append(UInt32(features.userGroups))
        payload.append(UInt32(features.applicationGroups))
        payload.append(features.lettersPerToken)
        payload.append(features.digitsPerToken)
        payload.append(features.tokensPerCJK)
        payload.append(model.upperQuantile)
        payload.append(UInt32(model.instructions.count))
        for instruction in model.instructions { payload.append(instruction) }
        let forest = model.forest
        payload.append(UInt32(forest.featureCount))
        payload.append(UInt32(forest.roots.count))
        for root in forest.roots { payload.append(root) }
        payload.append(UInt32(forest.nodes.count))
        for node in forest.nodes {
            payload.append(node.feature)
            payload.append(node.left)
            payload.append(node.threshold)
            payload.append(node.value)
        }
        // Trailing field (absent in blobs written before it existed, which mean `.mean`).
        payload.append(model.target.rawValue)
        return frame(kind: .predictor, payload: payload.bytes)
    }

    /// - Complexity: O(bytes).
    public static func decodePredictor(_ bytes: [UInt8]) throws(ModelCodingError) -> PredictorModel {
        var reader = try unframe(bytes, kind: .predictor)
        let featureSetName = try reader.readString()
        guard let featureSet = LengthFeatureSet(rawValue: featureSetName) else {
            throw ModelCodingError("unknown feature set '\(featureSetName)'")
        }
        let dimension = Int(try reader.read(UInt32.self))
        let characterWeight = try reader.readDouble()
        let userGroups = Int(try reader.read(UInt32.self))
        let applicationGroups = Int(try reader.read(UInt32.self))
        let letters = try reader.readDouble()
        let digits = try reader.readDouble()
        let cjk = try reader.readDouble()
        guard dimension > 0, userGroups > 0, applicationGroups > 0, dimension % userGroups == 0,
            dimension % applicationGroups == 0
        else {
            throw ModelCodingError(
                "embedding dimension \(dimension) does not split into \(userGroups) and \(applicationGroups) groups")
        }
        let features = PredictorFeatures(
            featureSet: featureSet, embeddingDimension: dimension, characterWeight: characterWeight,
            userGroups: userGroups,
            applicationGroups: applicationGroups,
            tokenCounter: HeuristicTokenCounter(lettersPerToken: letters, digitsPerToken: digits, tokensPerCJK: cjk))
        let upperQuantile = try reader.readDouble()
        let instructionCount = try reader.readCount(bytesEach: 4)
        var instructions: [String] = []
        instructions.reserveCapacity(instructionCount)
        for _ in 0..<instructionCount { instructions.append(try reader.readString()) }

        let featureCount = Int(try reader.read(UInt32.self))
        guard featureCount == features.makeExtractor().featureCount else {
            throw ModelCodingError(
                "the forest has \(featureCount) features but its feature settings make \(features.makeExtractor().featureCount)"
            )
        }
        let rootCount = try reader.readCount(bytesEach: 4)
        var roots: [Int32] = []
        roots.reserveCapacity(rootCount)
        for _ in 0..<rootCount { roots.append(try reader.read(Int32.self)) }
        let nodeCount = try reader.readCount(bytesEach: 24)
        var nodes: [RandomForest.Node] = []
        nodes.reserveCapacity(nodeCount)
        for index in 0..<nodeCount {
            let feature = try reader.read(Int32.self)
            let left = try reader.read(Int32.self)
            let threshold = try reader.readDouble()
            let value = try reader.readDouble()
            if feature >= 0 {
                guard Int(feature) < featureCount, Int(left) > index, Int(left) + 1 < nodeCount else {
                    throw ModelCodingError(
                        "node \(index) links to feature \(feature) and child \(left) of \(nodeCount) nodes")
                }
            }
            nodes.append(.stored(feature: feature, left: left, threshold: threshold, value: value))
        }
        guard !roots.isEmpty, roots.allSatisfy({ $0 >= 0 && Int($0) < nodeCount }) else {
            throw ModelCodingError("\(roots.count) tree roots outside the \(nodeCount) nodes")
        }
        var target = LengthTarget.mean
        if reader.remaining > 0 {
            let name = try reader.readString()
            guard let parsed = LengthTarget(rawValue: name) else { throw ModelCodingError("unknown length target '\(name)'") }
            target = parsed
        }
        guard reader.remaining == 0 else {
            throw ModelCodingError("\(reader.remaining) unexpected bytes after the forest")
        }
        return PredictorModel(
            features: features, forest: RandomForest(nodes: nodes, roots: roots, featureCount: featureCount),
            upperQuantile: upperQuantile, instructions: instructions, target: target)
    }

    // MARK: - Estimator

    /// - Complexity: O(samples).
    public static func encode(_ model: EstimatorModel) -> [UInt8] {
        var payload = ByteWriter(capacity: 48 + model.samples.count * 32)
        payload.append(UInt32(model.k))
        payload.append(UInt32(model.minimumSamples))
        payload.append(model.prior.stepOverhead)
        payload.append(model.prior.kvReadPerToken)
        payload.append(model.prior.prefillPerToken)
        payload.append(UInt32(model.samples.count))
        for sample in model.samples {
            payload.append(Int64(sample.features.batchSize))
            payload.append(Int64(sample.features.maxInput))
            payload.append(Int64(sample.features.maxGeneration))
            payload.append(sample.seconds)
        }
        return frame(kind: .estimator, payload: payload.bytes)
    }

    /// - Complexity: O(bytes).
    public static func decodeEstimator(_ bytes: [UInt8]) throws(ModelCodingError) -> EstimatorModel {
        var reader = try unframe(bytes, kind: .estimator)
        let k = Int(try reader.read(UInt32.self))
        guard k > 0 else { throw ModelCodingError("k must be positive") }
        let minimumSamples = Int(try reader.read(UInt32.self))
        let prior = AnalyticBatchTimeModel(
            stepOverhead: try reader.readDouble(), kvReadPerToken: try reader.readDouble(),
            prefillPerToken: try reader.readDouble())
        let count = try reader.readCount(bytesEach: 32)
        var samples: [BatchTimeSample] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let features = BatchFeatures(
                batchSize: Int(try reader.read(Int64.self)), maxInput: Int(try reader.read(Int64.self)),
                maxGeneration: Int(try reader.read(Int64.self)))
            samples.append(BatchTimeSample(features: features, seconds: try reader.readDouble()))
        }
        guard reader.remaining == 0 else {
            throw ModelCodingError("\(reader.remaining) unexpected bytes after the samples")
        }
        return EstimatorModel(samples: samples, k: k, minimumSamples: minimumSamples, prior: prior)
    }

    // MARK: - Framing

    static func kindByte(_ kind: ModelKind) -> UInt8 {
        switch kind {
        case .predictor: 1
        case .estimator: 2
        }
    }

    static func frame(kind: ModelKind, payload: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(capacity: payload.count + 22)
        writer.append(contentsOf: magic)
        writer.append(formatVersion)
        writer.append(kindByte(kind))
        writer.append(UInt64(payload.count))
        writer.append(contentsOf: payload)
        writer.append(StableHash.fnv1a(payload))
        return writer.bytes
    }

    /// Checks the header and checksum; returns a reader at the payload's start whose bytes
    /// end with the payload.
    static func unframe(_ bytes: [UInt8], kind: ModelKind) throws(ModelCodingError) -> ByteReader {
        var reader = ByteReader(bytes)
        guard Array(try reader.take(4)) == magic else { throw ModelCodingError("not a Magnus model (bad magic)") }
        let version = try reader.read(UInt8.self)
        guard version == formatVersion else {
            throw ModelCodingError("model format \(version) is not supported (this build reads \(formatVersion))")
        }
        let kindValue = try reader.read(UInt8.self)
        guard kindValue == kindByte(kind) else {
            throw ModelCodingError("expected a \(kind) model, found kind \(kindValue)")
        }
        let length = try reader.read(UInt64.self)
        guard length <= UInt64(reader.remaining), reader.remaining - Int(length) == 8 else {
            throw ModelCodingError("payload length \(length) does not match the \(reader.remaining) bytes left")
        }
        let payload = Array(try reader.take(Int(length)))
        let checksum = try reader.read(UInt64.self)
        guard checksum == StableHash.fnv1a(payload) else {
            throw ModelCodingError("checksum mismatch: the bytes are damaged")
        }
        return ByteReader(payload)
    }
}
