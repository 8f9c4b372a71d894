import Shared

/// The task files of a data folder, each shuffled with a seed and split, as in the paper,
/// into a training part (for the predictor and estimator) and a workload part.
public struct TaskDataset: Sendable {
    /// One task's records after the split.
    public struct Split: Sendable {
        public var train: [TaskRecord]
        public var workload: [TaskRecord]
    }

    /// Task name → split, for the tasks that were found.
    public var tasks: [String: Split]
    /// Task names in the order they were requested.
    public var order: [String]

    /// Loads `tasks` from `directory` (files named as `Application.fileName(forTask:)`).
    /// - Parameters:
    ///   - perTask: rows used per task (the paper: 10,000), nil = all.
    ///   - trainFraction: share of each task's rows kept for training (the paper: 25 %).
    ///   - keepingInputsTogether: puts all rows with the same input on the same side of the
    ///     split (open chat: 12 models answered each prompt, so a row-wise split would leak
    ///     the prompt into the test part). With unique inputs the split is the row-wise one.
    /// - Throws: `WorkloadError` when a file is missing or malformed.
    public static func load(
        directory: String, tasks: [String] = Application.paperTasks, perTask: Int? = 10_000,
        trainFraction: Double = 0.25, seed: UInt64 = 1, keepingInputsTogether: Bool = false
    ) throws -> TaskDataset {
        var result: [String: Split] = [:]
        for task in tasks {
            let path = directory + "/" + Application.fileName(forTask: task)
            var records = try TaskFileReader.read(path: path)
            var generator = SplitMix64(seed: seed ^ StableHash.of(task))
            shuffle(&records, using: &generator)
            if let perTask, records.count > perTask { records = Array(records.prefix(perTask)) }
            let trainCount = Int((Double(records.count) * trainFraction).rounded())
            result[task] = keepingInputsTogether
                ? split(records, trainCount: trainCount, groupedBy: \.input)
                : Split(train: Array(records.prefix(trainCount)), workload: Array(records.dropFirst(trainCount)))
        }
        return TaskDataset(tasks: result, order: tasks)
    }

    /// Splits shuffled records so that rows with the same key stay together: groups, in the
    /// order of their first row, go to training until it holds at least `trainCount` rows.
    /// Each side keeps the records' order; with unique keys this is the first `trainCount`
    /// records versus the rest.
    /// - Complexity: O(n) expected.
    public static func split(_ records: [TaskRecord], trainCount: Int, groupedBy key: (TaskRecord) -> String) -> Split {
        var rank: [String: Int] = [:]
        var sizes: [Int] = []
        for record in records {
            let k = key(record)
            if let index = rank[k] {
                sizes[index] += 1
            } else {
                rank[k] = sizes.count
                sizes.append(1)
            }
        }
        var groups = 0, taken = 0
        while taken < trainCount && groups < sizes.count {
            taken += sizes[groups]
            groups += 1
        }
        var result = Split(train: [], workload: [])
        for record in records {
            if rank[key(record)]! < groups { result.train.append(record) } else { result.workload.append(record) }
        }
        return result
    }

    /// Training records of every task, in task order.
    public var allTraining: [TaskRecord] { order.flatMap { tasks[$0]?.train ?? [] } }
    /// Workload records of every task, in task order.
    public var allWorkload: [TaskRecord] { order.flatMap { tasks[$0]?.workload ?? [] } }

    /// Fisher–Yates with the project's generator, so the order is the same on every platform.
    public static func shuffle<T>(_ values: inout [T], using generator: inout SplitMix64) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
    }
}
