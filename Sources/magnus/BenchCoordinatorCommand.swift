import Coordinator
import Foundation
import CoordinatorShell
import ServiceBenchmarks
import ServiceSupport
import Shared
import Simulation
import Storage
import Worker

/// `magnus bench-coordinator`: submits per second and ready→batch latency of the real
/// coordinator service over loopback, in memory, with the log store, and with the log
/// store while retraining runs in the background.
enum BenchCoordinatorCommand {
    static let specs: [OptionSpec] = [
        .value("submits", "N", "Requests to submit (they stay queued: no workers).", default: "50000"),
        .value("dispatches", "N", "Batches a fake worker pulls afterwards.", default: "1000"),
        .value("dispatch-seconds", "S", "Keep pulling batches at least this long.", default: "0"),
        .value("window", "N", "Unacknowledged submits in flight.", default: "2000"),
        .value("profile", "NAME", "Engine profile (memory budget).", default: "v100-chatglm6b"),
        .value(
            "modes", "LIST",
            "memory (no log store), journal (log store, no retraining), retrain (log store, retraining every --retrain-interval).",
            default: "memory"),
        .value("retrain-interval", "S", "Seconds between retraining runs of each model in the retrain mode.", default: "1"),
        .value("log-sync", "MODE", "full or normal, for the log store modes.", default: "full"),
        .value("trees", "N", "Trees of the forest (bootstrap and retraining).", default: "50"),
    ] + ClientWorkload.specs

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus bench-coordinator", summary: "coordinator throughput and dispatch latency over loopback",
            specs: specs, arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        guard let profile = EngineProfile.named(options.string("profile")!) else { throw UsageError("unknown profile") }
        guard let sync = SQLiteSynchronous(rawValue: options.string("log-sync")!) else {
            throw UsageError("--log-sync must be full or normal")
        }
        let modes = options.list("modes")!
        for mode in modes where !["memory", "journal", "retrain"].contains(mode) {
            throw UsageError("unknown mode '\(mode)': memory, journal or retrain")
        }
        let workload = try ClientWorkload.load(options, seed: 1)
        let messages = workload.requests(count: 5_000, rate: 1, maxNewTokens: 1024, seed: 1).map {
            SubmitMessage(
                id: $0.id, application: $0.application, instruction: $0.instruction, input: $0.input,
                inputTokens: $0.inputTokens, maxNewTokens: $0.maxNewTokens, simulatedOutputTokens: $0.referenceOutputTokens)
        }
        let benchmark = CoordinatorLoopbackBenchmark(
            submits: try options.int("submits", in: 1...10_000_000)!, dispatches: try options.int("dispatches", in: 1...1_000_000)!,
            window: try options.int("window", in: 1...1_000_000)!, capabilities: profile.capabilities,
            dispatchSeconds: try options.double("dispatch-seconds", in: 0...86_400)!)
        let interval = try options.double("retrain-interval", in: 0.01...86_400)!
        var table = MarkdownTable(header: [
            "mode", "acknowledged per s", "dispatches", "ready→batch p50 ms", "ready→batch p99 ms",
            "during retraining", "ready→batch p99 ms (retraining)", "decision p50 µs", "decision p99 µs",
            "decision p99 µs (retraining)", "retraining runs (candidates), busy s", "longest swap ms",
        ])
        for mode in modes {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("magnus-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var configuration = CoordinatorConfiguration()
            configuration.profile = profile.name
            configuration.forestTrees = try options.int("trees", in: 1...10_000)!
            if mode != "memory" {
                configuration.storage.logPath = directory.appendingPathComponent("bench.sqlite").path
                configuration.storage.logSync = sync
                configuration.storage.retraining = mode == "retrain"
                configuration.storage.retrainingPolicy.predictorInterval = interval
                configuration.storage.retrainingPolicy.estimatorInterval = interval
            }
            Console.progress("bench-coordinator \(mode): training the predictor on \(workload.training.count) rows")
            let result = try benchmark.run(requests: messages, configuration: configuration, trainingExamples: workload.training) {
                Console.progress("bench-coordinator \(mode): \($0)")
            }
            Console.endProgress()
            let retraining = result.retraining.map {
                "\($0.runs) (\($0.candidates)), \(Format.fixed($0.seconds, 1))"
            } ?? "–"
            table.add([
                mode, Format.fixed(result.submitsPerSecond, 0), String(result.dispatches),
                Format.fixed(result.dispatchP50Milliseconds, 3), Format.fixed(result.dispatchP99Milliseconds, 3),
                String(result.dispatchesDuringRetraining), Format.fixed(result.dispatchP99DuringRetrainingMilliseconds, 3),
                Format.fixed(result.decisionP50Microseconds, 1), Format.fixed(result.decisionP99Microseconds, 1),
                Format.fixed(result.decisionP99DuringRetrainingMicroseconds, 1), retraining,
                Format.fixed(result.longestSwapMilliseconds, 2),
            ])
        }
        Console.out("Workload: \(workload.description); Magnus policy; predictor: forest (extended features); log sync \(sync.rawValue).\n")
        Console.out(table.markdown)
    }
}
