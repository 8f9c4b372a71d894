import Coordinator
import Foundation
import Shared
import Simulation
import XGBoostRegressor


/// `magnus bench-predictor`: accuracy, latency and training time of the length predictor.
enum BenchPredictorCommand {
    static let specs: [OptionSpec] = [
        .value("data", "DIR", "Folder with the task files (shared/data format).", default: "../shared/data"),
        .value("per-task", "N", "Rows per task before the split (the paper: 10,000).", default: "10000"),
        .value(
            "tasks", "LIST", "Comma-separated tasks; `all` = the paper's eight and llm_chat (open chat). Rows with the same input stay on one side of the split.",
            default: Application.paperTasks.joined(separator: ",")),
        .value("trees", "N", "Trees per forest.", default: "\(RandomForestConfiguration().trees)"),
        .value("seed", "N", "Seed for the split and the forests.", default: "1"),
        .value("max-depth", "N", "Deepest tree level.", default: "\(RandomForestConfiguration().maxDepth)"),
        .value("min-leaf", "N", "Fewest training rows in a leaf.", default: "\(RandomForestConfiguration().minSamplesLeaf)"),
        .value("mtry", "N", "Features tried per split (0 = a third).", default: "0"),
        .flag("xgboost", "Also train XGBoost in random-forest mode on the paper's features."),
        .flag("no-intervals", "Skip the coverage of calibrated P50/P90 length bounds (per method, on the test rows)."),
        .value("out", "FILE", "Also write the Markdown report here."),
    ]

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus bench-predictor", summary: "length-predictor accuracy on real data", specs: specs,
            arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        let data = options.string("data")!
        guard FileManager.default.fileExists(atPath: data) else {
            throw UsageError("magnus bench-predictor: data folder \(data) not found; pass --data DIR (the shared/data task files)")
        }
        let seed = UInt64(try options.int("seed", in: 0...Int.max)!)
        let mtry = try options.int("mtry", in: 0...1_000)!
        let forest = RandomForestConfiguration(
            trees: try options.int("trees", in: 1...10_000)!, maxDepth: try options.int("max-depth", in: 1...64)!,
            minSamplesLeaf: try options.int("min-leaf", in: 1...100_000)!, featuresPerSplit: mtry == 0 ? nil : mtry,
            seed: seed)
        // The production default (extended) first: its latency is the one reported.
        var candidates = [LengthFeatureSet.extended, .paper, .lengthAndApplication].map {
            RegressorCandidate.swiftForest($0, configuration: forest)
        }
        let listed = options.list("tasks")!
        let tasks = listed == ["all"] ? Application.allTasks : listed
        if tasks.contains("llm_chat") {
            // The answering model as part of the application (open chat; other tasks unchanged).
            candidates.append(RegressorCandidate.swiftForest(.extended, configuration: forest).identifyingModel())
        }
        candidates += [LengthFeatureSet.extended, .paper].map { RegressorCandidate.logTargetForest($0, configuration: forest) }
        if options.flag("xgboost") {
            candidates.append(XGBoostCandidate.make(configuration: forest))
        }
        let benchmark = PredictorBenchmark(
            dataDirectory: data, tasks: tasks, perTask: try options.int("per-task", in: 10...1_000_000),
            seed: seed, candidates: candidates,
            intervals: options.flag("no-intervals") ? nil : .init(identifiesModel: true, forest: forest))
        let report = try benchmark.run { Console.progress("bench-predictor: \($0)") }
        Console.endProgress()
        Console.out(report.markdown)
        if let out = options.string("out") {
            try report.markdown.write(toFile: out, atomically: true, encoding: .utf8)
        }
    }
}
