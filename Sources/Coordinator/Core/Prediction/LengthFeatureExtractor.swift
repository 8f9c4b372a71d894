import Shared

/// Builds the regressor's feature vector for a request: compressed semantic features of the
/// user input and of the instruction, plus the input length (and, for `.extended`, cheap
/// text statistics).
public struct LengthFeatureExtractor: Sendable {
    public let featureSet: LengthFeatureSet
    public let embedder: any TextEmbedder
    public let userCompressor: EmbeddingCompressor
    public let applicationCompressor: EmbeddingCompressor
    public let tokenCounter: any TokenCounter
    /// Compressed instruction embeddings computed once per instruction text.
    private var instructionCache: [String: [Double]] = [:]

    public init(
        featureSet: LengthFeatureSet = .extended, embedder: any TextEmbedder = HashingTextEmbedder(),
        userGroups: Int = 16, applicationGroups: Int = 4, tokenCounter: any TokenCounter = HeuristicTokenCounter()
    ) {
        self.featureSet = featureSet
        self.embedder = embedder
        self.userCompressor = EmbeddingCompressor(groups: userGroups)
        self.applicationCompressor = EmbeddingCompressor(groups: applicationGroups)
        self.tokenCounter = tokenCounter
    }

    /// Number of features `features(...)` returns.
    public var featureCount: Int {
        switch featureSet {
        case .paper: userCompressor.groups + applicationCompressor.groups + 1
        case .extended: userCompressor.groups + applicationCompressor.groups + 7
        case .lengthAndApplication: applicationCompressor.groups + 1
        }
    }

    /// Names of the features, for reports.
    public var featureNames: [String] {
        var names = featureSet == .lengthAndApplication ? [] : (0..<userCompressor.groups).map { "user\($0)" }
        names += (0..<applicationCompressor.groups).map { "app\($0)" }
        names.append("input_tokens")
        if featureSet == .extended {
            names += ["chars", "words", "lines", "cjk_share", "symbol_share", "user_tokens"]
        }
        return names
    }

    /// Precomputes the instruction embeddings of known applications so `features` never
    /// embeds an instruction on the hot path.
    public mutating func warm(instructions: some Sequence<String>) {
        for instruction in instructions where instructionCache[instruction] == nil {
            instructionCache[instruction] = applicationCompressor.compress(embedder.embed(instruction))
        }
    }

    /// - Complexity: O(length of the input), plus O(length of the instruction) the first
    ///   time an instruction is seen without `warm`.
    public func features(instruction: String, input: String, inputTokens: Int) -> [Double] {
        var result = featureSet == .lengthAndApplication ? [] : userCompressor.compress(embedder.embed(input))
        result += instructionCache[instruction] ?? applicationCompressor.compress(embedder.embed(instruction))
        result.append(Double(inputTokens))
        if featureSet == .extended { result += Self.textStatistics(input, tokenCounter: tokenCounter) }
        return result
    }

    public func features(for request: Request) -> [Double] {
        features(instruction: request.instruction, input: request.input, inputTokens: request.inputTokens)
    }

    /// Characters, words, lines, CJK share, symbol share and the input's own token count.
    /// - Complexity: O(n); ASCII takes a fast path without Unicode property look-ups.
    static func textStatistics(_ text: String, tokenCounter: any TokenCounter) -> [Double] {
        var characters = 0, words = 0, lines = 1, cjk = 0, symbols = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            characters += 1
            let value = scalar.value
            if value < 0x80 {
                if value == 0x0A { lines += 1 }
                if value == 0x20 || (value >= 0x09 && value <= 0x0D) {
                    inWord = false
                } else if (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A) || (value >= 0x30 && value <= 0x39) {
                    if !inWord { words += 1 }
                    inWord = true
                } else {
                    symbols += 1
                    inWord = false
                }
                continue
            }
            if HeuristicTokenCounter.isCJK(value) {
                cjk += 1
                words += 1
                inWord = false
            } else if scalar.properties.isWhitespace {
                inWord = false
            } else if scalar.properties.isAlphabetic {
                if !inWord { words += 1 }
                inWord = true
            } else {
                symbols += 1
                inWord = false
            }
        }
        let total = Double(max(characters, 1))
        return [
            Double(characters), Double(words), Double(lines), Double(cjk) / total, Double(symbols) / total,
            Double(tokenCounter.count(text)),
        ]
    }
}
