/// The paper's compression: split a vector into `groups` equal groups, sum each group and
/// divide by the square root of the group size (16 groups for the user input, 4 for the
/// application instruction).
public struct EmbeddingCompressor: Sendable, Hashable {
    public let groups: Int

    public init(groups: Int) {
        precondition(groups > 0)
        self.groups = groups
    }

    /// - Precondition: `vector.count` is a multiple of `groups`.
    /// - Complexity: O(vector.count).
    public func compress(_ vector: [Double]) -> [Double] {
        precondition(vector.count % groups == 0, "dimension \(vector.count) is not divisible by \(groups) groups")
        let size = vector.count / groups
        let scale = 1 / Double(size).squareRoot()
        var result = [Double](repeating: 0, count: groups)
        for group in 0..<groups {
            var sum = 0.0
            for i in (group * size)..<((group + 1) * size) { sum += vector[i] }
            result[group] = sum * scale
        }
        return result
    }
}
