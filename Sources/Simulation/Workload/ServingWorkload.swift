import Coordinator
import Shared

/// Where a benchmark's requests come from.
public enum WorkloadSource: Sendable, Hashable {
    /// The task files of a folder (shared/data format), Poisson arrivals at each rate.
    case taskData(directory: String, tasks: [String])
    /// One JSONL file in the same format, Poisson arrivals.
    case jsonl(path: String)
    /// The built-in generator (statistics measured on the real data), Poisson arrivals.
    case synthetic(tasks: [String])
    /// A trace CSV (timestamp, input_tokens, output_tokens), replayed at its own pace times
    /// `speed`; the request rate of a sweep scales the pace instead.
    case trace(path: String)
}

/// A workload ready to simulate: labelled examples to train on and a pool of requests to
/// replay, with the trace's own arrival times when it has them.
public struct ServingWorkload: Sendable {
    public var training: [LengthExample]
    public var pool: [LengthExample]
    /// Arrival offsets of a trace (same order as `pool`), nil for Poisson workloads.
    public var traceArrivals: [Seconds]?
    public var description: String

    /// - Parameter trainFraction: share of rows kept for training (the paper: 25 %).
    public static func load(
        _ source: WorkloadSource, counter: HeuristicTokenCounter = .init(), trainFraction: Double = 0.25,
        perTask: Int? = 10_000, seed: UInt64 = 1
    ) throws -> ServingWorkload {
        switch source {
        case .taskData(let directory, let tasks):
            let dataset = try TaskDataset.load(
                directory: directory, tasks: tasks, perTask: perTask, trainFraction: trainFraction, seed: seed)
            return ServingWorkload(
                training: dataset.allTraining.map { LengthExample(record: $0, counter: counter) },
                pool: dataset.allWorkload.map { LengthExample(record: $0, counter: counter) }, traceArrivals: nil,
                description: "task data (\(tasks.joined(separator: ", ")))")
        case .jsonl(let path):
            var records = try TaskFileReader.read(path: path)
            var generator = SplitMix64(seed: seed)
            TaskDataset.shuffle(&records, using: &generator)
            let cut = Int(Double(records.count) * trainFraction)
            return ServingWorkload(
                training: records.prefix(cut).map { LengthExample(record: $0, counter: counter) },
                pool: records.dropFirst(cut).map { LengthExample(record: $0, counter: counter) }, traceArrivals: nil,
                description: "JSONL \(path)")
        case .synthetic(let tasks):
            let statistics = BuiltInWorkload.statistics.filter { tasks.contains($0.task) }
            guard !statistics.isEmpty else { throw WorkloadError("no built-in statistics for tasks \(tasks)") }
            let generator = SyntheticWorkload(statistics: statistics, counter: counter)
            let count = (perTask ?? 10_000) * statistics.count
            let records = generator.records(count: count, seed: seed)
            let cut = Int(Double(records.count) * trainFraction)
            return ServingWorkload(
                training: records.prefix(cut).map { LengthExample(record: $0, counter: counter) },
                pool: records.dropFirst(cut).map { LengthExample(record: $0, counter: counter) }, traceArrivals: nil,
                description: "built-in generator (\(statistics.map(\.task).joined(separator: ", ")))")
        case .trace(let path):
            let entries = try TraceReader.read(path: path)
            let cut = Int(Double(entries.count) * trainFraction)
            func example(_ entry: TraceEntry) -> LengthExample {
                LengthExample(
                    application: "trace", instruction: "", input: "", inputTokens: entry.inputTokens,
                    generatedTokens: max(1, entry.outputTokens))
            }
            let replay = entries.dropFirst(cut)
            let start = replay.first?.time ?? 0
            return ServingWorkload(
                training: entries.prefix(cut).map(example), pool: replay.map(example),
                traceArrivals: replay.map { $0.time - start }, description: "trace \(path)")
        }
    }

    /// The most requests one replay can have: a trace's rows after the training cut (nil: any
    /// number, the pool is cycled).
    public var requestLimit: Int? { traceArrivals?.count }

    /// A trace's own mean arrival rate (req/s) over its first `count` rows: the rate at which
    /// `requests(count:rate:…)` replays it at its recorded pace (nil for Poisson workloads).
    public func ownRate(count: Int) -> Double? {
        guard let traceArrivals, !traceArrivals.isEmpty else { return nil }
        let n = min(max(1, count), traceArrivals.count)
        return Double(n) / max(traceArrivals[n - 1], 1e-9)
    }

    /// `count` requests: Poisson arrivals at `rate` over a shuffled pool, or, for a trace,
    /// its own arrivals with time scaled so that the mean rate is `rate` (nil = own pace).
    /// - Complexity: O(count).
    public func requests(count: Int, rate: Double?, maxNewTokens: Int, seed: UInt64) -> [Request] {
        precondition(!pool.isEmpty, "the workload has no requests")
        var generator = SplitMix64(seed: seed)
        var order = Array(pool.indices)
        var arrivals: [Seconds] = []
        if let traceArrivals {
            let n = min(count, traceArrivals.count)
            order = Array(order.prefix(n))
            let span = max(traceArrivals[n - 1], 1e-9)
            let scale = rate.map { Double(n) / $0 / span } ?? 1
            arrivals = traceArrivals.prefix(n).map { $0 * scale }
        } else {
            TaskDataset.shuffle(&order, using: &generator)
            while order.count < count { order += order }
            order = Array(order.prefix(count))
            var time = 0.0
            for _ in 0..<count {
                time += generator.nextExponential(rate: rate ?? 1)
                arrivals.append(time)
            }
        }
        return zip(order, arrivals).enumerated().map { number, pair in
            let example = pool[pair.0]
            return Request(
                id: RequestID("r\(number)"), application: example.application, instruction: example.instruction,
                input: example.input, inputTokens: example.inputTokens, maxNewTokens: maxNewTokens, arrival: pair.1,
                referenceOutputTokens: min(example.generatedTokens, maxNewTokens))
        }
    }
}
