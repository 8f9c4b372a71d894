import Coordinator
import Foundation
import Shared
import Simulation
import Worker

/// `magnus bench-scheduler`: the scheduler's submit and dispatch cost as the queue grows.
enum BenchSchedulerCommand {
    static let specs: [OptionSpec] = [
        .value("depths", "LIST", "Queue depths (queued requests) to measure at.", default: "1000,10000"),
        .value("rounds", "N", "Dispatch decisions measured per depth.", default: "2000"),
        .value("phi", "TOKENS", "WMA threshold Φ.", default: "\(Int(SchedulerConfiguration.defaultWMAThreshold))"),
        .value("profile", "NAME", "Engine profile for Θ and Δ.", default: "v100-chatglm6b"),
        .value("seed", "N", "Seed.", default: "1"),
    ] + ClientWorkload.specs

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus bench-scheduler", summary: "submit and dispatch cost versus queue depth", specs: specs,
            arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        let seed = UInt64(try options.int("seed", in: 0...Int.max)!)
        guard let profile = EngineProfile.named(options.string("profile")!) else {
            throw UsageError("magnus bench-scheduler: unknown profile")
        }
        let workload = try ClientWorkload.load(options, seed: seed, perTask: 10_000)
        Console.progress("bench-scheduler: training the predictor on \(workload.training.count) rows")
        let predictor = ForestLengthPredictor.train(examples: workload.training)
        let requests = workload.requests(count: min(workload.pool.count, 20_000), rate: 100, maxNewTokens: 2048, seed: seed)
        let benchmark = SchedulerCostBenchmark(
            requests: requests, predictor: predictor, kvTokenCapacity: profile.capabilities.kvTokenCapacity,
            wmaThreshold: try options.double("phi", in: 0...1e15)!,
            estimator: KNNBatchTimeEstimator(
                samples: ServingBenchmark(workload: workload, profile: profile, policies: [], rates: [])
                    .profilingSamples(count: 2_000),
                prior: profile.analyticPrior),
            worker: profile.capabilities)
        var table = MarkdownTable(header: [
            "queued requests", "queued batches", "submit p50 µs", "submit p99 µs", "dispatch p50 µs", "dispatch p99 µs",
        ])
        for depth in options.list("depths")!.compactMap({ Int($0) }) {
            Console.progress("bench-scheduler: depth \(depth)")
            let result = benchmark.run(depth: depth, rounds: try options.int("rounds", in: 1...1_000_000)!)
            table.add([
                String(result.queuedRequests), String(result.queuedBatches), Format.fixed(result.submitP50, 2),
                Format.fixed(result.submitP99, 2), Format.fixed(result.dispatchP50, 2), Format.fixed(result.dispatchP99, 2),
            ])
        }
        Console.endProgress()
        Console.out(
            "Workload: \(workload.description); \(profile.name); policy Magnus; predictions precomputed; "
                + "KNN estimator on 2,000 profiled batches.\n")
        Console.out(table.markdown)
    }
}
