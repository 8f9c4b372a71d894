import Coordinator
import Foundation
import Shared
import Simulation
import Worker

/// `magnus bench`: the paper's evaluation in the simulator — policies side by side over a
/// sweep of request rates, with a table, CSV and SVG plot.
enum BenchCommand {
    static let specs: [OptionSpec] = ClientWorkload.specs + [
        .value("rates", "LIST", "Request rates to sweep (req/s); with --trace, `trace` replays it at its own recorded pace.", default: "4,8,12,16,24,32"),
        .value("requests", "N", "Requests per rate (a trace has at most its rows after the training cut; the report says when it caps).", default: "10000"),
        .value("policies", "LIST", "Comma-separated policies, each one of: \(PolicyChoice.syntax.replacingOccurrences(of: "|", with: ", ")), vs:safe (the largest VS batch that cannot run out of memory).", default: "vs:safe,vs:8,ccb,glp:8,abp,magnus,oracle"),
        .value("workers", "N", "Simulated GPUs.", default: "8"),
        .value("profile", "NAME", "Engine profile: " + EngineProfile.builtinNames.joined(separator: ", ") + ".", default: "v100-chatglm6b"),
        .value("phi", "TOKENS", "WMA threshold Φ in token reads.", default: "\(Int(SchedulerConfiguration.defaultWMAThreshold))"),
        .flag("upper-bound-memory", "Check memory with the predicted upper bound (P90) instead of the point prediction."),
        .value("length-target", "mean|median", "What the forest predicts: the mean (paper) or the median length.", default: "mean"),
        .value("risk", "P", "Magnus-UA: largest accepted probability that a batch outgrows memory.", default: "0.02"),
        .value("grouping-level", "Q", "Magnus-UA: quantile used as G' for WMA and T_p.", default: "0.5"),
        .value("upper-level", "Q", "Magnus-UA: quantile used as a prediction's upper bound.", default: "0.9"),
        .value("continuation-level", "Q", "Magnus-UA: quantile of the remaining length a continued request is capped at.", default: "\(UncertaintyConfiguration().continuationLevel)"),
        .value("cap-level", "Q", "Magnus-UA: quantile a batch's generation is capped at (bounded decoding).", default: "\(UncertaintyConfiguration().capLevel)"),
        .value("cb-level", "Q", "Magnus-CB: calibrated quantile of the length each request reserves KV memory for (re-predicted from progress).", default: "0.9"),
        .value("max-new-tokens", "N", "Cap on generated tokens per request.", default: "2048"),
        .value("jitter", "SIGMA", "Lognormal jitter of batch times.", default: "0.05"),
        .value("seed", "N", "Seed.", default: "1"),
        .value("seeds", "LIST", "Run the whole benchmark once per seed (workload split, predictor, arrivals) and add a summary across seeds."),
        .value("out", "DIR", "Folder for bench.csv, bench.svg and bench.md.", default: "out/bench"),
    ]

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus bench", summary: "policies side by side in the simulator", specs: specs, arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        let seeds = try options.list("seeds").map { list throws(UsageError) -> [UInt64] in
            try list.map { text throws(UsageError) -> UInt64 in
                guard let seed = UInt64(text) else { throw UsageError("magnus bench: bad seed '\(text)'") }
                return seed
            }
        } ?? [UInt64(try options.int("seed", in: 0...Int.max)!)]
        guard !seeds.isEmpty else { throw UsageError("magnus bench: --seeds needs at least one seed") }
        var runs: [[SimulationMetrics]] = []
        for seed in seeds {
            runs.append(try runOnce(options, seed: seed, report: seed == seeds[0]))
        }
        if seeds.count > 1 {
            let names = runs[0].reduce(into: [String]()) { if !$0.contains($1.policy) { $0.append($1.policy) } }
            let baselines = names.filter { ["Magnus", "Magnus-oracle", "CCB", "FCFS-CB", "Magnus-UA"].contains($0) }
            let latencyBaselines = names.filter { ["FCFS-CB", "Oracle-CB"].contains($0) }
            var summary = "\nAcross seeds \(seeds.map(String.init).joined(separator: ", ")) (means; ratios as mean [min, max] of the per-seed ratios):\n\n"
            summary += ServingReport.seedSummary(runs, baselines: baselines, latencyBaselines: latencyBaselines).markdown + "\n"
            Console.out(summary)
            let out = options.string("out")!
            try summary.write(toFile: out + "/seeds.md", atomically: true, encoding: .utf8)
            Console.error("magnus bench: wrote \(out)/seeds.md")
        }
    }

    /// One whole benchmark at one seed; `report` writes its table, ratios, CSV and plot.
    static func runOnce(_ options: CommandOptions, seed: UInt64, report writesReport: Bool) throws -> [SimulationMetrics] {
        guard let profile = EngineProfile.named(options.string("profile")!) else {
            throw UsageError("magnus bench: unknown profile; choose one of \(EngineProfile.builtinNames.joined(separator: ", "))")
        }
        let maxNewTokens = try options.int("max-new-tokens", in: 1...100_000)!
        // Names are checked before the workload is read; nil stands for vs:safe, whose size
        // depends on the workload.
        let named = try options.list("policies")!.map { name throws(UsageError) -> PolicySpec? in
            if name.lowercased() == "vs:safe" { return nil }
            do {
                return try PolicySpec(parsing: name)
            } catch {
                throw UsageError("magnus bench: \(error) (or vs:safe)")
            }
        }
        let workload = try ClientWorkload.load(options, seed: seed, perTask: 10_000)
        let safe = ServingBenchmark.safeBatchSize(profile: profile, workload: workload, maxNewTokens: maxNewTokens)
        let policies = named.map { $0 ?? .scheduler(.vanilla(batchSize: safe), oracle: false) }
        let asked = try options.int("requests", in: 1...10_000_000)!
        let requestCount = min(asked, workload.requestLimit ?? asked)
        var capping = ""
        if requestCount < asked {
            capping = " (\(asked) asked; the trace has \(requestCount) rows after the training cut)"
            Console.error("magnus bench: --requests \(asked) capped at \(requestCount): the trace's rows after the training cut")
        }
        var ownPace: Double?
        let rates = try options.list("rates")!.map { text throws(UsageError) -> Double in
            if text.lowercased() == "trace" {
                guard let own = workload.ownRate(count: requestCount) else {
                    throw UsageError("magnus bench: --rates trace needs a --trace workload (its own pace)")
                }
                // Three decimals, so the tables read as given (the pace moves by at most 0.0005 req/s).
                let rounded = max(0.001, (own * 1000).rounded() / 1000)
                ownPace = rounded
                return rounded
            }
            guard let rate = Double(text), rate > 0 else { throw UsageError("magnus bench: bad rate '\(text)' (a number > 0, or trace)") }
            return rate
        }
        var benchmark = ServingBenchmark(
            workload: workload, profile: profile, workers: try options.int("workers", in: 1...1024)!, policies: policies,
            rates: rates, requestsPerRate: requestCount, maxNewTokens: maxNewTokens,
            wmaThreshold: try options.double("phi", in: 0...1e15)!,
            memoryCheckUsesUpperBound: options.flag("upper-bound-memory"), seed: seed,
            jitterSigma: try options.double("jitter", in: 0...2)!,
            uncertainty: UncertaintyConfiguration(
                riskTarget: try options.double("risk", in: 0...1)!,
                groupingLevel: try options.double("grouping-level", in: 0.05...0.99)!, upperLevel: try options.double("upper-level", in: 0.5...0.999)!,
                capLevel: try options.double("cap-level", in: 0.05...0.999)!,
                continuationLevel: try options.double("continuation-level", in: 0.05...0.999)!))
        guard let target = LengthTarget(rawValue: options.string("length-target")!) else {
            throw UsageError("magnus bench: --length-target is mean or median")
        }
        benchmark.lengthTarget = target
        benchmark.continuousLevel = try options.double("cb-level", in: 0.05...0.999)!
        Console.error("magnus bench: seed \(seed); \(workload.description); \(profile.name) × \(benchmark.workers); VS safe batch size \(safe)")
        let started = ContinuousClock.now
        let results = benchmark.run { Console.progress("magnus bench: \($0)") }
        Console.endProgress()
        let elapsed = started.duration(to: .now)
        guard writesReport else { return results }

        let table = ServingReport.table(results)
        var report = "Workload: \(workload.description); \(benchmark.requestsPerRate) requests per rate\(capping); "
        if let ownPace { report += "rate \(ServingReport.rate(ownPace)) req/s is the trace's own pace; " }
        report += "\(benchmark.workers) × \(profile.name); Φ = \(Format.fixed(benchmark.wmaThreshold, 0)); seed \(seed); "
        report += "VS safe batch size \(safe).\n\n" + table.markdown + "\n"
        let names = policies.map(\.description)
        if let magnus = names.first(where: { $0 == "Magnus" }) {
            for baseline in names where baseline.hasPrefix("VS") || baseline == "CCB" || baseline.hasSuffix("oracle") {
                report += "\n" + ServingReport.ratios(results, of: magnus, against: baseline).markdown + "\n"
            }
        }
        for policy in names where policy.hasPrefix("Magnus-CB") {
            let baselines = names.filter { ["FCFS-CB", "CCB", "Oracle-CB", "Magnus-UA", "Magnus"].contains($0) }
            if !baselines.isEmpty {
                report += "\n" + ServingReport.continuousRatios(results, of: policy, against: baselines).markdown + "\n"
            }
        }
        for policy in names where policy.hasPrefix("Magnus-UA") {
            for baseline in names where baseline == "Magnus" || baseline == "Magnus-oracle" {
                report += "\n" + ServingReport.ratios(results, of: policy, against: baseline).markdown + "\n"
            }
        }
        let uncertaintyAware = results.filter { $0.policy.hasPrefix("Magnus-UA") }
        if !uncertaintyAware.isEmpty {
            report += "\nCoverage of the upper bound (P\(Int((benchmark.uncertainty.upperLevel * 100).rounded()))) predicted on submission, per application, over completed requests:\n\n"
            report += ServingReport.coverage(uncertaintyAware).markdown + "\n"
        }
        report += "\nSimulated in \(elapsed).\n"
        Console.out(report)
        let out = options.string("out")!
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try table.csv.write(toFile: out + "/bench.csv", atomically: true, encoding: .utf8)
        try report.write(toFile: out + "/bench.md", atomically: true, encoding: .utf8)
        try ServingReport.chart(results, title: "Magnus vs baselines: \(workload.description)").svg
            .write(toFile: out + "/bench.svg", atomically: true, encoding: .utf8)
        Console.error("magnus bench: wrote \(out)/bench.csv, bench.md, bench.svg")
        return results
    }
}
