import Coordinator
import Foundation
import Services
import Shared
import Simulation
import Worker

/// `magnus bench-coordinator`: submits per second and ready→batch latency of the real
/// coordinator service over loopback.
enum BenchCoordinatorCommand {
    static let specs: [OptionSpec] = [
        .value("submits", "N", "Requests to submit (they stay queued: no workers).", default: "50000"),
        .value("dispatches", "N", "Batches a fake worker pulls afterwards.", default: "1000"),
        .value("window", "N", "Unacknowledged submits in flight.", default: "2000"),
        .value("profile", "NAME", "Engine profile (memory budget).", default: "v100-chatglm6b"),
    ] + ClientWorkload.specs

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus bench-coordinator", summary: "coordinator throughput and dispatch latency over loopback",
            specs: specs, arguments: arguments)
        if options.wantsHelp { return Console.out(options.help) }
        guard let profile = EngineProfile.named(options.string("profile")!) else { throw UsageError("unknown profile") }
        let workload = try ClientWorkload.load(options, seed: 1)
        Console.progress("bench-coordinator: training the predictor on \(workload.training.count) rows")
        let predictor = ForestLengthPredictor.train(examples: workload.training)
        let messages = workload.requests(count: 5_000, rate: 1, maxNewTokens: 1024, seed: 1).map {
            SubmitMessage(
                id: $0.id, application: $0.application, instruction: $0.instruction, input: $0.input,
                inputTokens: $0.inputTokens, maxNewTokens: $0.maxNewTokens, simulatedOutputTokens: $0.referenceOutputTokens)
        }
        var configuration = CoordinatorConfiguration()
        configuration.profile = profile.name
        let scheduler = try PredictorBootstrap.scheduler(configuration, predictor: predictor)
        let benchmark = CoordinatorLoopbackBenchmark(
            submits: try options.int("submits", in: 1...10_000_000)!, dispatches: try options.int("dispatches", in: 1...1_000_000)!,
            window: try options.int("window", in: 1...1_000_000)!, capabilities: profile.capabilities)
        let result = try benchmark.run(requests: messages, configuration: configuration, scheduler: scheduler) {
            Console.progress("bench-coordinator: \($0)")
        }
        Console.endProgress()
        var table = MarkdownTable(header: ["submits", "acknowledged per s", "dispatches", "ready→batch p50 ms", "ready→batch p99 ms"])
        table.add([
            String(benchmark.submits), Format.fixed(result.submitsPerSecond, 0), String(result.dispatches),
            Format.fixed(result.dispatchP50Milliseconds, 3), Format.fixed(result.dispatchP99Milliseconds, 3),
        ])
        Console.out("Workload: \(workload.description); Magnus policy; predictor: forest (extended features).\n")
        Console.out(table.markdown)
    }
}
