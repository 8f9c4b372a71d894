#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A built-in workload generator for when no data file is given: per task, input and
/// generation lengths drawn from `TaskLengthStatistics` measured on the real data, with
/// made-up text of the right token count (no real text is copied). Deterministic for a seed.
public struct SyntheticWorkload: Sendable {
    public var statistics: [TaskLengthStatistics]
    public var counter: HeuristicTokenCounter

    public init(statistics: [TaskLengthStatistics] = BuiltInWorkload.statistics, counter: HeuristicTokenCounter = .init()) {
        precondition(!statistics.isEmpty)
        self.statistics = statistics
        self.counter = counter
    }

    /// `count` records, tasks chosen uniformly, lengths from each task's statistics.
    /// - Complexity: O(count × text length).
    public func records(count: Int, seed: UInt64) -> [TaskRecord] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let stats = statistics[Int(generator.next() % UInt64(statistics.count))]
            return record(for: stats, using: &generator)
        }
    }

    /// One record of a task.
    public func record(for stats: TaskLengthStatistics, using generator: inout SplitMix64) -> TaskRecord {
        let logInput = stats.logInputMean + stats.logInputStd * generator.nextGaussian()
        let input = min(max(Int(exp(logInput).rounded()), max(stats.minInput, 1)), max(stats.maxInput, 1))
        let logOutput = stats.intercept + stats.slope * log(Double(input)) + stats.residualStd * generator.nextGaussian()
        let output = min(max(Int(exp(logOutput).rounded()), 1), max(stats.maxOutput, 1))
        return TaskRecord(
            task: stats.task, input: Self.text(tokens: input, using: &generator),
            reference: Self.text(tokens: output, using: &generator))
    }

    /// Text of about `tokens` tokens under the default counter: four-letter pseudo-words
    /// (one token each; single spaces are free).
    static func text(tokens: Int, using generator: inout SplitMix64) -> String {
        let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "du", "fi", "go"]
        var words: [String] = []
        words.reserveCapacity(tokens)
        for _ in 0..<max(tokens, 1) {
            let a = syllables[Int(generator.next() % 12)], b = syllables[Int(generator.next() % 12)]
            words.append(a + b)
        }
        return words.joined(separator: " ")
    }
}
