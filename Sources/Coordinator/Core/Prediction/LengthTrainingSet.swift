import Shared

/// One labelled example for the length predictor: what the predictor sees, and the true
/// generation length.
public struct LengthExample: Sendable, Hashable {
    public var application: String
    public var instruction: String
    public var input: String
    public var inputTokens: Int
    public var generatedTokens: Int

    public init(application: String, instruction: String, input: String, inputTokens: Int, generatedTokens: Int) {
        self.application = application
        self.instruction = instruction
        self.input = input
        self.inputTokens = inputTokens
        self.generatedTokens = generatedTokens
    }

    /// An example from a task-file record: the instruction is the application's, L(p) counts
    /// instruction and input, and G(p) is the reference's token count.
    /// - Parameter identifyingModel: one application per answering model where the record
    ///   names it (`Application.forRecord`).
    public init(record: TaskRecord, counter: some TokenCounter, identifyingModel: Bool = false) {
        let application = Application.forRecord(record, identifyingModel: identifyingModel)
        self.init(
            application: application.name, instruction: application.instruction, input: record.input,
            inputTokens: counter.count(application.instruction) + counter.count(record.input),
            generatedTokens: max(1, counter.count(record.reference)))
    }
}

/// What a length predictor's point estimate aims at.
public enum LengthTarget: String, Sendable, Hashable, Codable {
    /// The mean length (a forest on G, as in the paper): least squared error.
    case mean
    /// The median length (a forest on log(1 + G)): least absolute error on skewed lengths.
    case median
}

extension ForestLengthPredictor {
    /// Trains the paper's predictor on labelled examples.
    /// - Parameter target: `.mean` trains on G as the paper does (the default: it serves
    ///   better, docs/benchmarks.md); `.median` on log(1 + G) (`LogTargetForest`), which has
    ///   the lower absolute error.
    /// - Complexity: featurization O(total text) plus the forest's training cost.
    public static func train(
        examples: [LengthExample], extractor: LengthFeatureExtractor = LengthFeatureExtractor(),
        forest configuration: RandomForestConfiguration = .init(), upperQuantile: Double = 0.9,
        target: LengthTarget = .mean
    ) -> ForestLengthPredictor {
        var extractor = extractor
        extractor.warm(instructions: Set(examples.map(\.instruction)))
        let rows = examples.map { extractor.features(instruction: $0.instruction, input: $0.input, inputTokens: $0.inputTokens) }
        let targets = examples.map { Double($0.generatedTokens) }
        let regressor: any LengthRegressor = switch target {
        case .mean: RandomForestTrainer(configuration: configuration).train(rows: rows, targets: targets)
        case .median: LogTargetForest.train(rows: rows, targets: targets, configuration: configuration)
        }
        return ForestLengthPredictor(extractor: extractor, regressor: regressor, upperQuantile: upperQuantile)
    }
}
