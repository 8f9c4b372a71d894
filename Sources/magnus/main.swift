import Shared

/// `magnus`: the operator's and developer's command line.
let commands: [(name: String, summary: String, run: ([String]) throws -> Void)] = [
    ("submit", "Submit one request to a running coordinator and print its result.", SubmitCommand.run),
    ("load", "Replay a workload at a rate against a running coordinator; summary of latency and throughput.", LoadCommand.run),
    ("status", "Show the live status stream of a running coordinator (--follow, --json).", StatusCommand.run),
    ("keygen", "Write a CURVE keypair for a coordinator, worker or client: DIR/NAME.key (secret) and DIR/NAME.pub.", KeygenCommand.run),
    ("bench-predictor", "Measure generation-length prediction accuracy, latency and training time on real task data.", BenchPredictorCommand.run),
    ("bench", "Simulate the cluster under every policy over a sweep of request rates (table, CSV, SVG).", BenchCommand.run),
    ("bench-drift", "Simulate workload drift (a new application, longer outputs) with and without retraining.", BenchDriftCommand.run),
    ("bench-scheduler", "Measure submit (WMA insertion) and dispatch (HRRN) cost as the queue grows.", BenchSchedulerCommand.run),
    ("bench-coordinator", "Measure the coordinator's submits per second and ready-to-batch latency over loopback.", BenchCoordinatorCommand.run),
    ("measure-workload", "Measure the per-task length statistics behind the built-in workload generator.", MeasureWorkloadCommand.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--version" || arguments.first == "version" {
    Console.out(MagnusVersion.line("magnus"))
    Console.exit(0)
}
guard let name = arguments.first, name != "--help", name != "-h", name != "help" else {
    Console.out("magnus: batch LLM serving by generation-length prediction\n\nCommands:")
    for command in commands { Console.out("  \(command.name.padding(18))\(command.summary)") }
    Console.out("\nRun `magnus COMMAND --help` for a command's options, `magnus --version` for the version.")
    Console.exit(arguments.isEmpty ? 2 : 0)
}
guard let command = commands.first(where: { $0.name == name }) else {
    Console.fail("magnus: unknown command '\(name)'; run `magnus --help`")
}
do {
    try command.run(Array(arguments.dropFirst()))
} catch let error as UsageError {
    Console.fail(error.description)
} catch {
    Console.fail("magnus \(name): \(error)", code: 1)
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
