import Shared

/// A deterministic embedding that runs without downloads: signed feature hashing of word
/// unigrams and bigrams and of character trigrams into `dimension` buckets, L2-normalised.
///
/// Words are maximal runs of letters or digits (lower-cased); every other non-space
/// character (CJK ideographs, punctuation) is a word of its own, so Chinese text contributes
/// its characters and code contributes its symbols. Each feature adds ±weight to the bucket
/// its stable hash selects (the sign comes from another hash bit), so collisions cancel in
/// expectation.
/// - Complexity: O(min(n, maxCharacters)) in the text's length.
public struct HashingTextEmbedder: TextEmbedder {
    public let dimension: Int
    /// Relative weight of character trigrams against word features.
    public var characterWeight: Double
    /// Only this many leading characters are embedded: the start of a text carries its
    /// semantics, its length is a feature of its own, and the cap bounds prediction latency.
    public var maxCharacters: Int

    public init(dimension: Int = 768, characterWeight: Double = 0.5, maxCharacters: Int = 2_048) {
        precondition(dimension > 0 && maxCharacters > 0)
        self.dimension = dimension
        self.characterWeight = characterWeight
        self.maxCharacters = maxCharacters
    }

    public func embed(_ text: String) -> [Double] {
        var vector = [Double](repeating: 0, count: dimension)
        vector.withUnsafeMutableBufferPointer { buffer in accumulate(text, into: buffer) }
        var norm = 0.0
        for x in vector { norm += x * x }
        if norm > 0 {
            let scale = 1 / norm.squareRoot()
            for i in vector.indices { vector[i] *= scale }
        }
        return vector
    }

    @inline(__always)
    private func add(_ hash: UInt64, weight: Double, into vector: UnsafeMutableBufferPointer<Double>) {
        let mixed = StableHash.mix(hash)
        let index = Int(mixed % UInt64(dimension))
        vector[index] += (mixed >> 63) == 0 ? weight : -weight
    }

    private func accumulate(_ text: String, into vector: UnsafeMutableBufferPointer<Double>) {
        var previousWord: UInt64 = 0
        var wordHash: UInt64 = 0
        var inWord = false
        var trigram: (UInt32, UInt32) = (0, 0)

        @inline(__always) func endWord() {
            guard inWord else { return }
            add(wordHash, weight: 1, into: vector)
            if previousWord != 0 { add(previousWord &* 31 &+ wordHash ^ 0x5BD1_E995, weight: 0.7, into: vector) }
            previousWord = wordHash
            wordHash = 0
            inWord = false
        }

        for scalar in text.unicodeScalars.prefix(maxCharacters) {
            var value = scalar.value
            if value >= 0x41 && value <= 0x5A { value += 32 }  // ASCII lower-case
            // Character trigram over every scalar, spaces included.
            let trigramHash = (UInt64(trigram.0) << 42) ^ (UInt64(trigram.1) << 21) ^ UInt64(value) ^ 0x7F4A_7C15
            add(trigramHash, weight: characterWeight, into: vector)
            trigram = (trigram.1, value)

            let isWordCharacter: Bool
            let isWhitespace: Bool
            if value < 0x80 {
                isWordCharacter = (value >= 0x61 && value <= 0x7A) || (value >= 0x30 && value <= 0x39) || value == 0x5F
                isWhitespace = value == 0x20 || (value >= 0x09 && value <= 0x0D)
            } else {
                isWordCharacter = value < 0x2E80 && scalar.properties.isAlphabetic
                isWhitespace = !isWordCharacter && scalar.properties.isWhitespace
            }
            if isWordCharacter {
                wordHash = (inWord ? wordHash : 0xCBF2_9CE4_8422_2325) ^ UInt64(value)
                wordHash = wordHash &* 0x0000_0100_0000_01B3
                inWord = true
            } else {
                endWord()
                if !isWhitespace {
                    wordHash = 0x84222325 ^ UInt64(value) &* 0x0000_0100_0000_01B3
                    inWord = true
                    endWord()
                }
            }
        }
        endWord()
    }
}
