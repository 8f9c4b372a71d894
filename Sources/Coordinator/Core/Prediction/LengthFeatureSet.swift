/// Which features the length predictor feeds its regressor.
public enum LengthFeatureSet: String, Sendable, Hashable, Codable, CaseIterable {
    /// The paper's: 16 compressed user-input dimensions, 4 compressed instruction
    /// dimensions and the input length (21 features).
    case paper
    /// The paper's plus cheap text statistics of the user input: characters, words, lines,
    /// share of CJK characters, share of punctuation and symbols, and its own token count.
    case extended
    /// Ablation: only the 4 compressed instruction dimensions and the input length (no
    /// user-input semantics).
    case lengthAndApplication
}
