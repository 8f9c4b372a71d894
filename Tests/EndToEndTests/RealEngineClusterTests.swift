import Foundation
import CoordinatorShell
import ServiceSupport
import WorkerShell
import Client
import Shared
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// End-to-end on the real engine: the coordinator and `magnus-worker --engine real`
/// executables, each worker with its own `python -m magnus_engine` process. Skipped, with a
/// banner, when the engine's Python environment is missing (deploy/setup-engine.sh).
@Suite(
    "End to end on the real engine", .serialized,
    .enabled("needs the engine's Python environment: run deploy/setup-engine.sh") { RealEngineEnvironment.isAvailable })
struct RealEngineClusterTests {
    /// Requests with short inputs (the tiny model's tokenizer has one token per byte).
    static func submits(_ count: Int, prefix: String, maxNewTokens: Int) -> [SubmitMessage] {
        let words = ["model", "batch", "token", "memory", "request", "worker", "queue", "cache"]
        let application = Application.forTask("gec")
        return (0..<count).map { index in
            let input = (0..<(8 + index % 5)).map { words[($0 * 3 + index) % words.count] }.joined(separator: " ")
            return SubmitMessage(
                id: RequestID("\(prefix)-\(index)"), application: application.name,
                instruction: application.instruction,
                input: input, maxNewTokens: maxNewTokens)
        }
    }

    /// Every request answered once, with a result from one of `workers` within its token limit.
    static func expectResults(_ run: ClientRun, _ submits: [SubmitMessage], workers: Set<String>, _ cluster: Cluster) {
        #expect(run.unanswered.isEmpty, "\(run.unanswered.count) unanswered\n\(cluster.logs())")
        #expect(run.duplicates.isEmpty && run.strays.isEmpty && run.protocolErrors.isEmpty)
        let limits = Dictionary(uniqueKeysWithValues: submits.map { ($0.id, $0.maxNewTokens ?? 512) })
        for (id, answer) in run.answers {
            guard case .result(let result) = answer else {
                Issue.record("\(id): \(answer)\n\(cluster.logs())")
                continue
            }
            #expect((1...limits[id]!).contains(result.generatedTokens), "\(id): \(result.generatedTokens) tokens")
            #expect(workers.contains(result.worker.rawValue))
        }
    }

    /// Status events received so far (and in the next `wait` seconds; snapshots keep coming,
    /// so the wait is bounded rather than until silence).
    static func events(_ status: StatusSubscriber, wait: Double = 0.5) throws -> [StatusEvent] {
        var events: [StatusEvent] = []
        let clock = MonotonicClock()
        while clock.now < wait {
            guard let message = try status.receive(timeout: 0.05) else { continue }
            if case .event(let event) = message { events.append(event) }
        }
        while let message = try status.receive(timeout: 0) {
            if case .event(let event) = message { events.append(event) }
        }
        return events
    }

    @Test(.timeLimit(.minutes(3)))
    func workerOnTheTinyModelAnswersRequests() throws {
        let cluster = try Cluster(
            workers: 1, timeScale: 1,
            workerArguments: RealEngineEnvironment.workerArguments + ["--model", "tiny-random"],
            startTimeout: 180)
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let submits = Self.submits(12, prefix: "tiny", maxNewTokens: 16)
        let run = try client.run(submits, timeout: 60)
        Self.expectResults(run, submits, workers: ["w0"], cluster)

        cluster.stop()
        #expect(cluster.coordinator?.terminationStatus == 0)
        #expect(cluster.workers["w0"]?.terminationStatus == 0, "the worker did not stop cleanly\n\(cluster.logs())")
        let log = try String(contentsOf: cluster.directory.appendingPathComponent("w0.log"), encoding: .utf8)
        #expect(log.contains("engine stopped"), "the worker did not stop its engine\n\(log)")
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(3)))
    func overBudgetBatchesAreReportedAsOOMAndSplit() throws {
        // 100 kB of KV cache: one request (about 120 byte-level tokens, 62 kB) fits, two do not.
        // The coordinator plans for the worker's 195 token slots with its own, heuristic,
        // counts (about 30 tokens a request), so it forms batches the engine then refuses.
        // (It must plan for no more than the worker holds: a batch of several requests that
        // fits no worker is not dispatched.)
        let cluster = try Cluster(
            workers: 1, timeScale: 1, coordinatorArguments: ["--kv-tokens", "195"],
            workerArguments: RealEngineEnvironment.workerArguments + [
                "--model", "tiny-random", "--kv-budget-bytes", "100000",
            ],
            startTimeout: 180)
        defer { cluster.stop() }
        let status = try cluster.liveStatus()
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let submits = Self.submits(8, prefix: "oom", maxNewTokens: 8)
        let run = try client.run(submits, timeout: 90)
        Self.expectResults(run, submits, workers: ["w0"], cluster)
        let events = try Self.events(status)
        let ooms = events.filter { $0.kind == .oom }
        #expect(!ooms.isEmpty, "no batch ran out of memory\n\(cluster.logs())")
        #expect(ooms.allSatisfy { ($0.children?.count ?? 0) == 2 }, "\(ooms)")
        // Every batch that ran held one request: the budget's limit.
        #expect(events.filter { $0.kind == .complete }.allSatisfy { $0.batchSize == 1 })
        Console.error(
            "real engine: \(ooms.count) OOM reports split, \(events.filter { $0.kind == .complete }.count) batches ran")
        cluster.removeFiles()
    }

    /// The integration test: SmolLM2-135M-Instruct on two workers answers real prompts of every
    /// task with real text. Prints the measured batch times and generated lengths.
    @Test(
        .timeLimit(.minutes(6)),
        .enabled("needs ../shared/data") { RealEngineEnvironment.hasData })
    func twoSmolLM2WorkersAnswerRealPromptsWithRealText() throws {
        let data = try #require(RealEngineEnvironment.dataDirectory)
        // Two prompts per task: the shortest inputs among the first 20 records, to keep the
        // run short on two CPU cores.
        var submits: [SubmitMessage] = []
        var taskOf: [RequestID: String] = [:]
        for task in Application.paperTasks {
            let records = try TaskFileReader.read(path: data.appendingPathComponent("\(task).jsonl").path, limit: 20)
            for (index, record) in records.sorted(by: { $0.input.count < $1.input.count }).prefix(2).enumerated() {
                let id = RequestID("\(task)-\(index)")
                submits.append(SubmitMessage(id: id, record: record, maxNewTokens: 24))
                taskOf[id] = task
            }
        }
        let clock = MonotonicClock()
        let cluster = try Cluster(
            workers: 2, timeScale: 1, workerArguments: RealEngineEnvironment.workerArguments + ["--model", "smollm2"],
            startTimeout: 300)
        defer { cluster.stop() }
        let startup = clock.now
        let status = try StatusSubscriber(endpoint: cluster.statusEndpoint)
        for _ in 0..<50 {
            if case .snapshot = try status.receive(timeout: 0.2) { break }
        }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let run = try client.run(submits, timeout: 240)
        Self.expectResults(run, submits, workers: ["w0", "w1"], cluster)
        for result in run.results {
            #expect(!result.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(result.id): empty text")
        }
        let completes = try Self.events(status).filter { $0.kind == .complete }

        // The evidence: batch times and generated lengths.
        Console.error(
            "smollm2: 2 workers ready in \(String(format: "%.1f", startup)) s; \(submits.count) requests answered in \(String(format: "%.1f", run.seconds)) s"
        )
        for event in completes.sorted(by: { $0.time < $1.time }) {
            Console.error(
                "smollm2: batch \(event.batchID.map { "\($0)" } ?? "?") on \(event.worker?.rawValue ?? "?"): \(event.batchSize ?? 0) requests, \(String(format: "%.2f", event.durationSeconds ?? 0)) s"
            )
        }
        for result in run.results.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            let text = result.text.replacingOccurrences(of: "\n", with: " ")
            Console.error(
                "smollm2: \(result.id) [\(taskOf[result.id] ?? "?")] \(result.generatedTokens) tokens: \(text.prefix(80))"
            )
        }
        cluster.stop()
        for id in ["w0", "w1"] {
            if let log = try? String(contentsOf: cluster.directory.appendingPathComponent("\(id).log"), encoding: .utf8)
            {
                for line in log.split(separator: "\n")
                where line.contains("batch of") || line.contains("engine stopped") {
                    Console.error("smollm2: \(id): \(line)")
                }
            }
        }
        cluster.removeFiles()
    }
}
