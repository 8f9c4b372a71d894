/// The known name closest to a mistyped one, for "did you mean" hints.
public enum NearestName {
    /// The candidate at the smallest edit distance from `name` (ignoring case, `-` and `_`
    /// count as the same), if it is close enough to be a typo: at most a third of the
    /// name's length, and at least 1, edits away.
    /// - Complexity: O(candidates × name length × candidate length).
    public static func to(_ name: String, in candidates: [String]) -> String? {
        func normal(_ text: String) -> [Character] { Array(text.lowercased().map { $0 == "-" ? "_" : $0 }) }
        let target = normal(name)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, normal(candidate))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(1, target.count / 3) else { return nil }
        return best.name
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
