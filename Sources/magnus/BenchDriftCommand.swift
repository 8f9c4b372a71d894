import Coordinator
import Foundation
import Shared
import Simulation
import Worker

/// `magnus bench-drift`: the drift study in the simulator: a new application and longer
/// outputs from the midpoint, with and without retraining on virtual time.
enum BenchDriftCommand {
    static let specs: [OptionSpec] = [
        .value("data", "DIR", "Task files (shared/data format); without it the built-in generator is used.", default: "../shared/data"),
        .value("tasks", "LIST", "Tasks of the workload.", default: Application.paperTasks.joined(separator: ",")),
        .flag("synthetic", "Use the built-in workload generator even when --data exists."),
        .value("new", "TASK", "Application held out of the bootstrap; it arrives from the midpoint.", default: "code_comment"),
        .value("grow", "TASK", "Application whose outputs get longer from the midpoint.", default: "mt_en_zh"),
        .value("growth", "X", "Factor on the grown application's output lengths.", default: "1.5"),
        .value("rate", "R", "Request rate (req/s).", default: "14"),
        .value("requests", "N", "Requests in the run (half before the drift).", default: "20000"),
        .value("per-task", "N", "Rows read per task file.", default: "10000"),
        .value("workers", "N", "Simulated GPUs.", default: "8"),
        .value("profile", "NAME", "Engine profile.", default: "v100-chatglm6b"),
        .value("max-new-tokens", "N", "Cap on generated tokens per request.", default: "2048"),
        .flag("compare-ua", "Also run uncertainty-aware Magnus (calibrated intervals, bounded decoding, the guard), with and without retraining."),
        .flag("upper-bound-memory", "Check memory with the predicted upper bound (P90) instead of the point prediction."),
        .value("max-examples", "N", "Largest predictor training set (oldest rows dropped first).", default: "50000"),
        .value("predictor-interval", "S", "Virtual seconds between predictor retraining runs.", default: "180"),
        .value("estimator-interval", "S", "Virtual seconds between estimator retraining runs.", default: "120"),
        .value("trees", "N", "Trees of the bootstrapped and retrained forests.", default: "50"),
        .value("window", "S", "Width of the plot's windows of arrival time.", default: "60"),
        .value("seed", "N", "Seed.", default: "1"),
        .value("out", "DIR", "Folder for drift.csv, drift.svg and drift.md.", default: "out/drift"),
    ]

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus bench-drift", summary: "workload drift with and without retraining, in the simulator",
            specs: specs, arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        let seed = UInt64(try options.int("seed", in: 0...Int.max)!)
        let tasks = options.list("tasks")!
        let source: WorkloadSource
        var sourceName = "built-in generator"
        if !options.flag("synthetic"), let data = options.string("data"), FileManager.default.fileExists(atPath: data) {
            source = .taskData(directory: data, tasks: tasks)
            sourceName = "task data in \(data)"
        } else {
            Console.error("magnus bench-drift: no task data (--data); using the built-in workload generator")
            source = .synthetic(tasks: tasks)
        }
        guard let profile = EngineProfile.named(options.string("profile")!) else {
            throw UsageError("magnus bench-drift: unknown profile; choose one of \(EngineProfile.builtinNames.joined(separator: ", "))")
        }
        var policy = RetrainingPolicy()
        policy.maxPredictorExamples = try options.int("max-examples", in: 1...10_000_000)!
        policy.predictorInterval = try options.double("predictor-interval", in: 1...1e9)!
        policy.estimatorInterval = try options.double("estimator-interval", in: 1...1e9)!
        let window = try options.double("window", in: 1...1e9)!
        var benchmark = DriftBenchmark(
            workload: source, profile: profile, workers: try options.int("workers", in: 1...1024)!,
            rate: try options.double("rate", in: 0.001...1e6)!, requests: try options.int("requests", in: 2...10_000_000)!,
            maxNewTokens: try options.int("max-new-tokens", in: 1...100_000)!, newApplication: options.string("new")!,
            grownApplication: options.string("grow")!, growth: try options.double("growth", in: 0.01...100)!, policy: policy,
            forest: RandomForestConfiguration(trees: try options.int("trees", in: 1...10_000)!, seed: seed),
            perTask: try options.int("per-task", in: 1...10_000_000)!, seed: seed,
            memoryCheckUsesUpperBound: options.flag("upper-bound-memory"))
        if options.flag("compare-ua") { benchmark.uncertainty = UncertaintyConfiguration() }
        let (scenario, runs) = try benchmark.run { Console.progress("magnus bench-drift: \($0)") }
        Console.endProgress()

        var report = "Workload: \(sourceName); \(benchmark.requests) requests at \(Format.fixed(benchmark.rate, 1)) req/s; "
        report += "\(benchmark.workers) × \(profile.name); Magnus policy\(benchmark.memoryCheckUsesUpperBound ? " (memory check with the upper bound)" : ""); seed \(seed). "
        report += "Bootstrap without \(benchmark.newApplication) (\(scenario.bootstrapTraining.count) rows); from \(Format.fixed(scenario.midpoint, 0)) s "
        report += "\(benchmark.newApplication) arrives and \(benchmark.grownApplication) outputs are × \(Format.fixed(benchmark.growth, 2)). "
        report += "Retraining: predictor every \(Format.fixed(policy.predictorInterval, 0)) s, estimator every \(Format.fixed(policy.estimatorInterval, 0)) s of virtual time.\n\n"
        report += DriftReport.summary(runs, benchmark: benchmark, midpoint: scenario.midpoint).markdown + "\n"
        if let learning = runs.last {
            report += "\nCandidates trained \(learning.label):\n\n" + DriftReport.retrainings(learning).markdown + "\n"
        }
        Console.out(report)
        let out = options.string("out")!
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try report.write(toFile: out + "/drift.md", atomically: true, encoding: .utf8)
        try DriftReport.csv(runs, benchmark: benchmark, window: window).write(toFile: out + "/drift.csv", atomically: true, encoding: .utf8)
        try DriftReport.chart(runs, benchmark: benchmark, window: window, midpoint: scenario.midpoint).svg
            .write(toFile: out + "/drift.svg", atomically: true, encoding: .utf8)
        Console.error("magnus bench-drift: wrote \(out)/drift.md, drift.csv, drift.svg")
    }
}
