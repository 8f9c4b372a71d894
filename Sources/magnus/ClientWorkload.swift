import Coordinator
import Foundation
import Shared
import Simulation

/// The workload options shared by `magnus load` (task data, JSONL, trace or built-in).
enum ClientWorkload {
    static let specs: [OptionSpec] = [
        .value("data", "DIR", "Task files (shared/data format); the built-in generator when absent.", default: "../shared/data"),
        .value(
            "tasks", "LIST", "Tasks (applications) of the workload, comma-separated: \(Application.allTasks.joined(separator: ", ")).",
            default: Application.paperTasks.joined(separator: ","), aliases: ["application"]),
        .value("jsonl", "FILE", "Replay one JSONL file (task-file format) instead."),
        .value("trace", "FILE", "Replay a trace CSV (timestamp, input_tokens, output_tokens) instead."),
        .flag("synthetic", "Use the built-in workload generator even when --data exists."),
    ]

    /// - Parameter perTask: rows per task file (and per task of the built-in generator).
    static func load(_ options: CommandOptions, seed: UInt64, perTask: Int = 2_000) throws -> ServingWorkload {
        let tasks = options.list("tasks")!
        let source: WorkloadSource
        if let trace = options.string("trace") {
            source = .trace(path: trace)
        } else if let jsonl = options.string("jsonl") {
            source = .jsonl(path: jsonl)
        } else if !options.flag("synthetic"), let data = options.string("data"), FileManager.default.fileExists(atPath: data) {
            source = .taskData(directory: data, tasks: tasks)
        } else {
            Console.error("\(options.command): no task data at \(options.string("data") ?? "-"); using the built-in workload generator")
            source = .synthetic(tasks: tasks)
        }
        if case .synthetic = source, let warning = ApplicationCheck.warning(
            forUnknown: tasks, command: options.command, consequence: "left out: the built-in generator has no statistics for it")
        {
            Console.error(warning)
        } else if case .taskData = source, let warning = ApplicationCheck.warning(
            forUnknown: tasks, command: options.command, consequence: "read from its task file with the generic instruction")
        {
            Console.error(warning)
        }
        return try ServingWorkload.load(source, perTask: perTask, seed: seed)
    }
}
