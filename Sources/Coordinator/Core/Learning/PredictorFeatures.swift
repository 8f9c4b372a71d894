import Shared

/// Everything needed to rebuild the same `LengthFeatureExtractor`: the feature-set choice,
/// the hashing embedder's and compressors' sizes, and the token counter's coefficients. A
/// persisted predictor stores it beside its forest, because a forest only means something
/// with the exact features it was trained on.
public struct PredictorFeatures: Sendable, Hashable, Codable {
    public var featureSet: LengthFeatureSet
    /// Dimension of the `HashingTextEmbedder` (768 as LaBSE's).
    public var embeddingDimension: Int
    /// The embedder's weight of character trigrams against words.
    public var characterWeight: Double
    /// d_user: groups the user-input embedding is compressed into.
    public var userGroups: Int
    /// d_app: groups the instruction embedding is compressed into.
    public var applicationGroups: Int
    /// `HeuristicTokenCounter` coefficients (used by the extended text statistics).
    public var lettersPerToken: Double
    public var digitsPerToken: Double
    public var tokensPerCJK: Double

    /// The defaults of `LengthFeatureExtractor()`.
    public init(
        featureSet: LengthFeatureSet = .extended, embeddingDimension: Int = HashingTextEmbedder().dimension,
        characterWeight: Double = HashingTextEmbedder().characterWeight, userGroups: Int = 16,
        applicationGroups: Int = 4,
        tokenCounter: HeuristicTokenCounter = HeuristicTokenCounter()
    ) {
        self.featureSet = featureSet
        self.embeddingDimension = embeddingDimension
        self.characterWeight = characterWeight
        self.userGroups = userGroups
        self.applicationGroups = applicationGroups
        self.lettersPerToken = tokenCounter.lettersPerToken
        self.digitsPerToken = tokenCounter.digitsPerToken
        self.tokensPerCJK = tokenCounter.tokensPerCJK
    }

    public var tokenCounter: HeuristicTokenCounter {
        HeuristicTokenCounter(
            lettersPerToken: lettersPerToken, digitsPerToken: digitsPerToken, tokensPerCJK: tokensPerCJK)
    }

    /// The extractor these settings describe (with an empty instruction cache).
    public func makeExtractor() -> LengthFeatureExtractor {
        LengthFeatureExtractor(
            featureSet: featureSet,
            embedder: HashingTextEmbedder(dimension: embeddingDimension, characterWeight: characterWeight),
            userGroups: userGroups, applicationGroups: applicationGroups, tokenCounter: tokenCounter)
    }
}
