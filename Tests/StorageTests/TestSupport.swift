import Coordinator
import MagnusTestSupport
import Foundation
import Shared
import Storage

/// A fresh directory for one test's database files, removed with everything in it when
/// `body` returns or throws.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("magnus-storage-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory.path)
}

/// Opens a store at `directory/log.sqlite`, runs `body`, and closes it.
func withStore<T>(
    in directory: String, epoch: Double = 1_700_000_000, options: LogStoreOptions = .init(),
    _ body: (LogStore) throws -> T
) throws -> T {
    let store = try LogStore(path: directory + "/log.sqlite", epoch: epoch, options: options)
    defer { try? store.close() }
    return try body(store)
}

let testWorker = WorkerCapabilities(
    gpu: "test", model: "test", memoryBytes: 1 << 40, kvBudgetBytes: 1 << 30, kvBytesPerToken: 1)

/// Submits to the scheduler and journals the accept, as the coordinator does.
@discardableResult
func submit(_ request: Request, to scheduler: inout Scheduler, store: LogStore, now: Seconds) throws -> LengthPrediction
{
    for action in scheduler.submit(request) {
        if case .accepted(_, let prediction) = action {
            try store.journalAccepted(request, clientID: "client", fingerprint: 42, prediction: prediction, at: now)
            return prediction
        }
    }
    throw TestFailure("\(request.id) was not accepted")
}

/// The worker's report for a dispatched batch: every member generates its reference length.
func report(for batch: DispatchedBatch, duration: Seconds = 3, omitting omitted: Set<String> = []) -> BatchReport {
    BatchReport(
        batchID: batch.id, worker: batch.worker, duration: duration,
        outputs: batch.requests.filter { !omitted.contains($0.id.rawValue) }.map {
            RequestOutput(id: $0.id, text: "output of \($0.id)", generatedTokens: $0.referenceOutputTokens ?? 1)
        })
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Rows of a query on a second, read-only connection to the store's file (WAL lets it read
/// while the store is open).
func inspect(_ directory: String, _ sql: String, _ values: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
    let database = try SQLiteDatabase(
        path: directory + "/log.sqlite", configuration: SQLiteConfiguration(readOnly: true))
    defer { try? database.close() }
    let statement = try database.prepare(sql)
    return try statement.query(values) { row in (0..<Int32(row.columnCount)).map { row.value($0) } }
}

/// The scheduler's next batch for `worker`, recorded as dispatched in the store.
func dispatch(_ scheduler: inout Scheduler, to worker: String, store: LogStore, now: Seconds) throws -> DispatchedBatch
{
    guard let batch = scheduler.nextBatch(for: WorkerID(worker), capabilities: testWorker, now: now) else {
        throw TestFailure("no batch for \(worker)")
    }
    try store.markDispatched(batch, at: now)
    return batch
}

/// Labelled examples of two applications: "double" answers with about twice the input's
/// length, "half" with about half of it (times `scale`).
func syntheticExamples(count: Int, seed: UInt64, scale: Double = 1) -> [LengthExample] {
    var generator = SplitMix64(seed: seed)
    let words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa"]
    return (0..<count).map { i in
        let length = 5 + Int(generator.next() % 150)
        let text = (0..<(length / 5 + 1)).map { _ in words[Int(generator.next() % 7)] }.joined(separator: " ")
        let doubling = i % 2 == 0
        let generated = Int((Double(doubling ? 2 * length : length / 2 + 1) * scale).rounded())
        return LengthExample(
            application: doubling ? "double" : "half", instruction: doubling ? "Repeat twice:" : "Summarise:",
            input: text,
            inputTokens: length, generatedTokens: max(1, generated))
    }
}

/// A small, fast forest for tests.
let smallForest = RandomForestConfiguration(trees: 8, maxDepth: 10, minSamplesLeaf: 3, seed: 7)

/// Examples as finished requests in the log, in order, with the given logged prediction.
func logged(_ examples: [LengthExample], from position: Int64 = 1, predicted: (LengthExample) -> Int) -> [LoggedRequest]
{
    examples.enumerated().map { offset, example in
        LoggedRequest(
            request: Request(
                id: RequestID("log-\(position + Int64(offset))"), application: example.application,
                instruction: example.instruction, input: example.input, inputTokens: example.inputTokens,
                maxNewTokens: 4096,
                arrival: 0),
            prediction: LengthPrediction(expected: predicted(example), upper: predicted(example)),
            generatedTokens: example.generatedTokens, finishedAt: Double(offset), logPosition: position + Int64(offset))
    }
}

/// The "true" batch time of the tests: linear in β, L and G.
func trueBatchTime(_ features: BatchFeatures) -> Seconds {
    0.5 + 0.1 * Double(features.batchSize) + 0.01 * Double(features.maxInput) + 0.05 * Double(features.maxGeneration)
}

/// Batches on a grid of features with their true time, estimated by `estimate`.
func loggedBatches(
    count: Int, from position: Int64 = 1, seed: UInt64, time: (BatchFeatures) -> Seconds = trueBatchTime,
    estimate: (BatchFeatures) -> Seconds
) -> [LoggedBatch] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { offset in
        let features = BatchFeatures(
            batchSize: 1 + Int(generator.next() % 16), maxInput: 10 + Int(generator.next() % 300),
            maxGeneration: 5 + Int(generator.next() % 300))
        return LoggedBatch(
            features: features, actualMaxGeneration: features.maxGeneration, estimatedTime: estimate(features),
            actualTime: time(features), finishedAt: Double(offset), logPosition: position + Int64(offset))
    }
}
