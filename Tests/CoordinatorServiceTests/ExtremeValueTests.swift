import Coordinator
import CoordinatorShell
import Shared
import Testing

/// The worst numbers a peer on the worker socket can send: each is refused before any
/// arithmetic or formatting, the batch is requeued, nothing crashes and nothing absurd reaches
/// a client or the status.
@Suite struct ExtremeValueTests {
    /// A runtime with one worker holding a batch of two requests (caps of 100 tokens).
    func running() throws -> (RuntimeHarness, BatchMessage) {
        var h = RuntimeHarness { $0.logLevel = .debug }
        _ = h.submit("a")
        _ = h.submit("b")
        let batch = try #require(h.join("w1").batches.first).batch
        return (h, batch)
    }

    @Test(arguments: [9.2e16, 1e308, 1e7, Double.greatestFiniteMagnitude])
    func aHugeDurationIsAnInvalidReport(duration: Double) throws {
        var (h, batch) = try running()
        let outputs = batch.requests.map { RequestOutput(id: $0.id, text: "t", generatedTokens: 3) }
        let step = h.fromWorker("w1", .result(BatchResultMessage(batchID: batch.batchID, duration: duration, outputs: outputs)))
        #expect(step.workerErrors.map(\.code) == [.invalidReport])
        #expect(step.results.isEmpty)
        #expect(step.events.contains { $0.kind == .requeue })
    }

    @Test(arguments: [1 << 62, Int.max, 1_000_000_000_000, 101])
    func tokenCountsAboveTheRowsLimitAreAnInvalidReport(tokens: Int) throws {
        var (h, batch) = try running()
        let outputs = batch.requests.map { RequestOutput(id: $0.id, text: "t", generatedTokens: tokens) }
        let step = h.fromWorker("w1", .result(BatchResultMessage(batchID: batch.batchID, duration: 1, outputs: outputs)))
        #expect(step.workerErrors.map(\.code) == [.invalidReport])
        #expect(step.results.isEmpty)
        // Nothing reached the status either.
        let snapshot = h.runtime.snapshot(now: h.now)
        #expect(snapshot.completed == 0)
        #expect(!(snapshot.predictorMAE > 1000))
    }

    @Test func aReportAtExactlyTheLimitIsAnswered() throws {
        var (h, batch) = try running()
        let outputs = batch.requests.map { RequestOutput(id: $0.id, text: "t", generatedTokens: $0.maxNewTokens) }
        let step = h.fromWorker("w1", .result(BatchResultMessage(batchID: batch.batchID, duration: 1, outputs: outputs)))
        #expect(step.workerErrors.isEmpty)
        #expect(step.results.count == 2)
    }

    @Test func absurdOutOfMemoryNumbersAreRefused() throws {
        for oom in [
            OutOfMemoryMessage(batchID: BatchID(0), step: Int.max, requiredBytes: 1, availableBytes: 1, duration: 0),
            OutOfMemoryMessage(batchID: BatchID(0), step: 1, requiredBytes: Int.max, availableBytes: 1, duration: 0),
            OutOfMemoryMessage(batchID: BatchID(0), step: 1, requiredBytes: 1, availableBytes: 1, duration: 9.2e16),
        ] {
            var (h, batch) = try running()
            var message = oom
            message.batchID = batch.batchID
            let step = h.fromWorker("w1", .outOfMemory(message))
            #expect(step.workerErrors.map(\.code) == [.invalidReport])
            #expect(!step.events.contains { $0.kind == .oom })
        }
    }

    @Test func absurdCapabilitiesAreRefusedAtHello() {
        var h = RuntimeHarness()
        var capabilities = RuntimeHarness.capabilities
        capabilities.kvBudgetBytes = Int.max
        #expect(h.fromWorker("w1", .hello(HelloMessage(worker: WorkerID("w1"), capabilities: capabilities))).workerErrors.map(\.code) == [.malformedMessage])
        capabilities = RuntimeHarness.capabilities
        capabilities.maxBatchSize = Int.max
        #expect(h.fromWorker("w1", .hello(HelloMessage(worker: WorkerID("w1"), capabilities: capabilities))).workerErrors.map(\.code) == [.malformedMessage])
        capabilities = RuntimeHarness.capabilities
        capabilities.prefill = PrefillMemory(budgetBytes: 1, bytesPerToken: Int.max, bytesPerTokenPair: 1)
        #expect(h.fromWorker("w1", .hello(HelloMessage(worker: WorkerID("w1"), capabilities: capabilities))).workerErrors.map(\.code) == [.malformedMessage])
        #expect(h.runtime.workerCount == 0)
    }

    @Test func formattingNeverTraps() {
        #expect(CoordinatorRuntime.format(9.2e16) == "9.2e+16")
        #expect(CoordinatorRuntime.format(.infinity) == "inf")
        #expect(CoordinatorRuntime.format(.nan) == "nan")
        #expect(CoordinatorRuntime.format(1.5) == "1.50")
        // WMA in Doubles: lengths near Int.max give a number, not a trap.
        #expect(WastedMemoryAccess.waiting(generation: 1 << 62, batchInput: 1, batchGeneration: Int.max) > 0)
        #expect(WastedMemoryAccess.generating(input: 0, generation: Int.max, batchInput: Int.max) > 0)
    }

    @Test func badMessageWarningsAreRateLimitedPerWorker() throws {
        var h = RuntimeHarness()
        _ = h.join("w1")
        var warnings = 0
        for _ in 0..<500 {
            let step = h.fromWorker("w1", .result(BatchResultMessage(batchID: BatchID(999), duration: -1, outputs: [])))
            _ = step
            let raw = h.runtime.receiveWorker([Array("w1".utf8), Array("{not json".utf8)], now: h.now)
            warnings += raw.filter { if case .log(.warning, _) = $0 { true } else { false } }.count
        }
        #expect(warnings == 1)
        // The rest are summed up in one line at the next status snapshot.
        h.now = 2
        let summary = h.tick().outputs.compactMap { output -> String? in
            if case .log(.warning, let text) = output, text.contains("more bad messages") { return text }
            return nil
        }
        #expect(summary.count == 1)
        #expect(summary.first?.contains("499 more") == true)
    }

    @Test func debugLinesAreNotBuiltAtInfoLevel() throws {
        var h = RuntimeHarness { $0.logLevel = .info }
        _ = h.submit("a")
        let step = h.join("w1")
        #expect(!step.outputs.contains { if case .log(.debug, _) = $0 { true } else { false } })
        var d = RuntimeHarness { $0.logLevel = .debug }
        _ = d.submit("a")
        #expect(d.join("w1").outputs.contains { if case .log(.debug, _) = $0 { true } else { false } })
    }
}
