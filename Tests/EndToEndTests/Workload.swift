import Shared

/// Synthetic requests for end-to-end runs: varied input lengths, generation lengths that
/// follow the input (as for most of the paper's applications), deterministic per seed.
enum Workload {
    static let applications = ["gec", "mt_en_zh", "bugfix", "detox"]
    static let words = ["model", "batch", "token", "memory", "request", "worker", "length", "queue", "cache", "serve"]

    /// - Parameter minOutput: the shortest generation; long generations make every batch last.
    static func requests(
        _ count: Int, prefix: String, seed: UInt64 = 1, maxInputWords: Int = 120, minOutput: Int = 1
    ) -> [SubmitMessage] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            let application = Application.forTask(applications[index % applications.count])
            let wordCount = 1 + Int(random.next() % UInt64(maxInputWords))
            let input = (0..<wordCount).map { _ in words[Int(random.next() % UInt64(words.count))] }.joined(separator: " ")
            let output = max(minOutput, Int(Double(wordCount) * (0.6 + 0.8 * random.nextUnit())))
            return SubmitMessage(
                id: RequestID("\(prefix)-\(index)"), application: application.name, instruction: application.instruction,
                input: input, maxNewTokens: 512, simulatedOutputTokens: output)
        }
    }
}
