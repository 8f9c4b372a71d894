import Coordinator
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

/// A predictor that answers with the request's `referenceOutputTokens` (or 10).
struct ReferencePredictor: LengthPredicting {
    func predict(_ request: Request) -> LengthPrediction {
        let value = request.referenceOutputTokens ?? 10
        return LengthPrediction(expected: value, upper: value * 2)
    }
}

let testWorker = WorkerCapabilities(
    gpu: "test", model: "test", memoryBytes: 1 << 40, kvBudgetBytes: 1 << 30, kvBytesPerToken: 1)

func makeRequest(
    _ id: String, input: Int = 20, generation: Int = 30, arrival: Seconds = 0, deadline: Seconds? = nil,
    application: String = "app", text: String? = nil
) -> Request {
    Request(
        id: RequestID(id), application: application, instruction: "Do it:", input: text ?? "input of \(id)",
        inputTokens: input, maxNewTokens: 4096, arrival: arrival, deadline: deadline, referenceOutputTokens: generation)
}

/// A scheduler that batches by fixed size in FCFS order, with predictions from the request.
func makeScheduler(batchSize: Int = 2) -> Scheduler {
    Scheduler(
        configuration: SchedulerConfiguration(policy: .vanilla(batchSize: batchSize), kvTokenCapacity: 1_000_000),
        predictor: ReferencePredictor(), estimator: AnalyticBatchTimeModel())
}

/// Submits to the scheduler and journals the accept, as the coordinator does.
@discardableResult
func submit(_ request: Request, to scheduler: inout Scheduler, store: LogStore, now: Seconds) throws -> LengthPrediction {
    for action in scheduler.submit(request, now: now) {
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
    let database = try SQLiteDatabase(path: directory + "/log.sqlite", configuration: SQLiteConfiguration(readOnly: true))
    defer { try? database.close() }
    let statement = try database.prepare(sql)
    return try statement.query(values) { row in (0..<Int32(row.columnCount)).map { row.value($0) } }
}

/// The scheduler's next batch for `worker`, recorded as dispatched in the store.
func dispatch(_ scheduler: inout Scheduler, to worker: String, store: LogStore, now: Seconds) throws -> DispatchedBatch {
    guard let batch = scheduler.nextBatch(for: WorkerID(worker), capabilities: testWorker, now: now) else {
        throw TestFailure("no batch for \(worker)")
    }
    try store.markDispatched(batch, at: now)
    return batch
}
