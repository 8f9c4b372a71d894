/// The simulated engine's stand-in for generated text: short English words, one token each
/// under the project's heuristic token counter (every word has at most four ASCII letters and
/// a single space before it), so the text's counted length equals the generated token count.
enum PlaceholderText {
    static let words = [
        "the", "of", "and", "to", "in", "is", "that", "it", "for", "on", "with", "as", "this", "be",
        "at", "by", "from", "or", "an", "are", "was", "not", "but", "can", "all", "new", "more", "one",
        "data", "text", "word", "line", "item", "code", "fix", "note", "part", "case", "name", "list",
    ]

    /// `tokens` words, the first picked by `start`, joined by single spaces.
    static func make(tokens: Int, start: UInt64) -> String {
        guard tokens > 0 else { return "" }
        var text = ""
        text.reserveCapacity(tokens * 4)
        var index = Int(start % UInt64(words.count))
        for position in 0..<tokens {
            if position > 0 { text.append(" ") }
            text.append(words[index])
            index = (index &* 7 &+ position &+ 3) % words.count
        }
        return text
    }
}
