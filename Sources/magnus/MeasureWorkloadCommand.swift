import Foundation
import Shared

/// `magnus measure-workload`: measures the per-task length statistics that the built-in
/// workload generator uses, and prints them as Swift source for `BuiltInWorkload`.
enum MeasureWorkloadCommand {
    static let specs: [OptionSpec] = [
        .value("data", "DIR", "Folder with the task files (shared/data format).", default: "../shared/data"),
        .value("tasks", "LIST", "Comma-separated tasks.", default: Application.allTasks.joined(separator: ",")),
    ]

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus measure-workload", summary: "measure per-task token-length statistics", specs: specs,
            arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        let data = options.string("data")!
        guard FileManager.default.fileExists(atPath: data) else {
            throw UsageError("magnus measure-workload: data folder \(data) not found; pass --data DIR")
        }
        let counter = HeuristicTokenCounter()
        for task in options.list("tasks")! {
            let records = try TaskFileReader.read(path: data + "/" + Application.fileName(forTask: task))
            let pairs = records.map { (input: counter.count($0.input), output: max(1, counter.count($0.reference))) }
            Console.out("        " + TaskLengthStatistics.measure(task: task, pairs: pairs).swiftLiteral)
        }
    }
}
