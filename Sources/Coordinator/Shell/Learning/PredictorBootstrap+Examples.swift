import Coordinator
import ServiceSupport
import Shared
import Worker

extension PredictorBootstrap {
    /// The configured training examples: the built-in generator's rows for `builtin`, else
    /// the rows of the task files (the first `training_rows_per_file` of each); empty
    /// without training data.
    /// - Throws: `CoordinatorStartError.trainingData` for a file that cannot be read.
    public static func trainingExamples(
        _ configuration: CoordinatorConfiguration, log: ServiceLog
    ) throws(CoordinatorStartError) -> [LengthExample] {
        let counter = HeuristicTokenCounter()
        if configuration.trainingData == ["builtin"] {
            let records = SyntheticWorkload(statistics: BuiltInWorkload.paperTasks).records(
                count: 2_000 * BuiltInWorkload.paperTasks.count, seed: configuration.seed)
            log(.info, "training data: \(records.count) rows of the built-in workload generator")
            return records.map { LengthExample(record: $0, counter: counter) }
        }
        var examples: [LengthExample] = []
        for path in configuration.trainingData {
            do {
                let records = try TaskFileReader.read(path: path, limit: configuration.trainingRowsPerFile)
                examples += records.map { LengthExample(record: $0, counter: counter) }
                log(.info, "training data: \(records.count) rows from \(path)")
            } catch {
                throw .trainingData("\(path): \(error)")
            }
        }
        if !configuration.trainingData.isEmpty && examples.isEmpty {
            throw .trainingData("the training files hold no rows")
        }
        return examples
    }
}
