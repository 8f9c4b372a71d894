import Coordinator
import MagnusTestSupport
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared
import Testing

/// Limits, deadlines and the screening of worker reports, on the runtime without sockets.
@Suite("Admission and screening")
struct AdmissionTests {
    private func submit(
        _ h: inout RuntimeHarness, _ id: String, application: String = "app", input: String = "x", inputTokens: Int? = 10,
        deadline: Int? = nil, output: Int = 5, client: [UInt8] = RuntimeHarness.client
    ) -> RuntimeHarness.Step {
        h.fromClient(
            .submit(
                SubmitMessage(
                    id: RequestID(id), application: application, instruction: "Do:", input: input, inputTokens: inputTokens,
                    maxNewTokens: 100, deadlineMilliseconds: deadline, simulatedOutputTokens: output)),
            client: client)
    }

    private func accepted(_ step: RuntimeHarness.Step) -> Bool {
        step.replies.contains { if case .accepted = $0.reply { true } else { false } }
    }

    @Test func aDeadlineStillCountsForARequestThatComesBackToContinue() throws {
        var h = RuntimeHarness { $0.policy = .magnusUncertaintyAware }
        #expect(accepted(submit(&h, "d", deadline: 1_000, output: 50)))
        var capabilities = RuntimeHarness.capabilities
        capabilities.continuation = true
        let batch = try #require(h.join("w1", capabilities: capabilities).batches.first).batch
        // Running past the deadline: not cancellable, and not forgotten either.
        h.now = 1.5
        #expect(h.tick().errors.isEmpty)
        // The engine stopped the row before its end: it goes back to the queue to continue.
        h.now = 2
        let report = h.fromWorker(
            "w1",
            .result(
                BatchResultMessage(
                    batchID: batch.batchID, duration: 1,
                    outputs: [RequestOutput(id: RequestID("d"), text: "part", generatedTokens: 3, finished: false)])))
        #expect(report.results.isEmpty)
        h.now = 2.5
        let expired = h.tick()
        #expect(expired.errors.map(\.code) == [.deadlineExceeded], "\(expired.outputs)")
    }

    @Test func perClientInFlightLimitRefusesAtOnceAndFreesOnAnswer() throws {
        var h = RuntimeHarness { $0.runtime.maxInFlightPerClient = 2 }
        let other: [UInt8] = Array("client-2".utf8)
        #expect(accepted(h.submit("a1")) && accepted(h.submit("a2")))
        let refused = h.submit("a3")
        #expect(refused.errors.map(\.code) == [.overloaded] && refused.errors.first?.id == RequestID("a3"))
        #expect(accepted(h.submit("b1", client: other)))
        // A resubmission of a pending id is not a new request: acknowledged again.
        #expect(accepted(h.submit("a1")))
        // Cancelling one frees a place.
        _ = h.fromClient(.cancel(CancelMessage(id: RequestID("a2"))))
        #expect(accepted(h.submit("a3")))
        #expect(h.submit("a4").errors.map(\.code) == [.overloaded])
        // So does an answer.
        let batch = try #require(h.join("w1").batches.first).batch
        _ = h.fromWorker("w1", RuntimeHarness.report(batch))
        #expect(accepted(h.submit("a4")))
        #expect(h.runtime.snapshot(now: 0).errors["overloaded"] == 2)
    }

    @Test func queueLimitIsFreedByCancel() {
        var h = RuntimeHarness { $0.runtime.maxQueuedRequests = 2 }
        _ = h.submit("a")
        _ = h.submit("b")
        #expect(h.submit("c").errors.map(\.code) == [.overloaded])
        let cancelled = h.fromClient(.cancel(CancelMessage(id: RequestID("a"))))
        #expect(cancelled.replies.map(\.reply) == [.cancelled(CancelledMessage(id: RequestID("a"), cancelled: true))])
        #expect(accepted(h.submit("c")))
    }

    @Test func inputLimitsAndApplicationNames() {
        var h = RuntimeHarness { $0.runtime.maxInputBytes = 100; $0.runtime.maxInputTokens = 50 }
        #expect(submit(&h, "bytes", input: String(repeating: "é", count: 60)).errors.map(\.code) == [.inputTooLong])
        #expect(submit(&h, "tokens", inputTokens: 51).errors.map(\.code) == [.inputTooLong])
        #expect(accepted(submit(&h, "fits", input: String(repeating: "x", count: 90), inputTokens: 50)))
        #expect(submit(&h, "noapp", application: "").errors.map(\.code) == [.invalidRequest])
        #expect(submit(&h, "longapp", application: String(repeating: "a", count: 300)).errors.map(\.code) == [.invalidRequest])
        // Beyond the KV cache, whatever the configuration.
        var kv = RuntimeHarness { $0.kvTokenCapacity = 1000 }
        #expect(submit(&kv, "huge", inputTokens: 5000).errors.map(\.code) == [.inputTooLong])
        #expect(submit(&kv, "negative", inputTokens: -1).errors.map(\.code) == [.invalidRequest])
    }

    /// Runs `count` single-request batches that each take `seconds` from dispatch to result.
    private func calibrate(_ h: inout RuntimeHarness, batches count: Int, seconds: Double) throws {
        for index in 0..<count {
            _ = h.submit("warm\(index)")
            let step = index == 0 ? h.join("w1") : h.fromWorker("w1", .ready(ReadyMessage()))
            let batch = try #require(step.batches.first).batch
            h.now += seconds
            #expect(h.fromWorker("w1", RuntimeHarness.report(batch)).results.count == 1)
        }
    }

    @Test func deadlinesThatCannotBeMetAreRefusedUpFront() throws {
        var h = RuntimeHarness()
        // Before the pace is known, nothing is refused up front: the deadline still expires.
        _ = h.submit("blocker")
        let early = submit(&h, "early", deadline: 1)
        #expect(accepted(early))
        _ = h.fromClient(.cancel(CancelMessage(id: RequestID("blocker"))))
        _ = h.fromClient(.cancel(CancelMessage(id: RequestID("early"))))

        try calibrate(&h, batches: 3, seconds: 2)
        // The worker is busy with a long batch; a request behind it with 1 ms to go cannot make it.
        _ = h.submit("long", output: 90)
        let running = try #require(h.fromWorker("w1", .ready(ReadyMessage())).batches.first).batch
        let refused = submit(&h, "tight", deadline: 1)
        #expect(refused.errors.map(\.code) == [.deadlineExceeded], "\(refused.outputs)")
        #expect(refused.errors.first?.message.contains("refused at once") == true)
        #expect(!h.runtime.scheduler.contains(RequestID("tight")))
        // A generous deadline is accepted.
        #expect(accepted(submit(&h, "loose", deadline: 3_600_000)))
        h.now += 2
        #expect(h.fromWorker("w1", RuntimeHarness.report(running)).results.count == 1)

        // Switched off: queued, and expired by the tick if still waiting.
        var off = RuntimeHarness { $0.runtime.refuseMissedDeadlines = false }
        try calibrate(&off, batches: 3, seconds: 2)
        _ = off.submit("long", output: 90)
        _ = off.fromWorker("w1", .ready(ReadyMessage()))
        #expect(accepted(submit(&off, "tight", deadline: 1)))
        off.now += 0.5
        #expect(off.tick().errors.map(\.code) == [.deadlineExceeded])
    }

    @Test func forecastLearnsThePace() {
        var forecast = CompletionForecast(minimumObservations: 2)
        #expect(!forecast.isCalibrated && forecast.scale == 1)
        forecast.observe(estimated: 4, elapsed: 1)
        forecast.observe(estimated: 4, elapsed: 1)
        #expect(forecast.isCalibrated && abs(forecast.scale - 0.25) < 1e-12)
        forecast.observe(estimated: 0, elapsed: 1)
        forecast.observe(estimated: 1, elapsed: .nan)
        #expect(forecast.observations == 2)
    }

    @Test func invalidReportsAreRefusedAndTheBatchRequeued() throws {
        var h = RuntimeHarness()
        _ = h.submit("a")
        _ = h.submit("b")
        let batch = try #require(h.join("w1").batches.first).batch
        let ids = batch.requests.map(\.id)
        let outputs = ids.map { RequestOutput(id: $0, text: "t", generatedTokens: 3) }
        let bad: [(String, BatchResultMessage)] = [
            ("foreign id", BatchResultMessage(batchID: batch.batchID, duration: 1, outputs: outputs + [RequestOutput(id: RequestID("zz"), text: "", generatedTokens: 1)])),
            ("twice", BatchResultMessage(batchID: batch.batchID, duration: 1, outputs: outputs + [outputs[0]])),
            ("negative tokens", BatchResultMessage(batchID: batch.batchID, duration: 1, outputs: [RequestOutput(id: ids[0], text: "", generatedTokens: -4)])),
            ("negative duration", BatchResultMessage(batchID: batch.batchID, duration: -1, outputs: outputs)),
        ]
        var current = batch
        for (name, report) in bad {
            var report = report
            report.batchID = current.batchID
            let step = h.fromWorker("w1", .result(report))
            #expect(step.workerErrors.map(\.code) == [.invalidReport], "\(name)")
            #expect(step.results.isEmpty, "\(name): answered from an invalid report")
            #expect(step.events.contains { [.requeue, .oom, .failure].contains($0.kind) }, "\(name): the batch was not requeued")
            // The worker asks again and gets the requeued batch, until its attempts are spent.
            guard let next = h.fromWorker("w1", .ready(ReadyMessage())).batches.first?.batch else { break }
            current = next
        }
        // A non-finite number cannot travel as JSON: it is sent as a string and refused as mistyped.
        let infinite = h.fromWorker("w1", .result(BatchResultMessage(batchID: current.batchID, duration: .infinity, outputs: outputs)))
        #expect(infinite.workerErrors.map(\.code) == [.malformedMessage] && infinite.results.isEmpty)
        // Whatever happened, nothing was answered twice and every request is either still
        // unfinished or answered engine_fault.
        #expect(h.runtime.snapshot(now: 0).errors["invalid_report"] ?? 0 >= 3)
        let oom = OutOfMemoryMessage(batchID: current.batchID, step: -1, requiredBytes: 1, availableBytes: 1, duration: 0)
        let step = h.fromWorker("w1", .outOfMemory(oom))
        if h.runtime.scheduler.running.isEmpty == false || !step.workerErrors.isEmpty {
            #expect(step.workerErrors.map(\.code).allSatisfy { $0 == .invalidReport || $0 == .unknownBatch })
        }
    }

    @Test func badHellosAndLongTextAreHandled() throws {
        var h = RuntimeHarness()
        let empty = h.fromWorker("w1", .hello(HelloMessage(worker: WorkerID(""), capabilities: RuntimeHarness.capabilities)))
        #expect(empty.workerErrors.map(\.code) == [.malformedMessage] && h.runtime.workerCount == 0)
        var capabilities = RuntimeHarness.capabilities
        capabilities.memoryBytes = -1
        let negative = h.fromWorker("w1", .hello(HelloMessage(worker: WorkerID("w1"), capabilities: capabilities)))
        #expect(negative.workerErrors.map(\.code) == [.malformedMessage] && h.runtime.workerCount == 0)
        capabilities = RuntimeHarness.capabilities
        capabilities.gpu = String(repeating: "g", count: 5000)
        #expect(h.fromWorker("w1", .hello(HelloMessage(worker: WorkerID("w1"), capabilities: capabilities))).workerErrors.count == 1)

        _ = h.submit("a")
        let batch = try #require(h.join("w1").batches.first).batch
        let fault = h.fromWorker("w1", .fault(FaultMessage(batchID: batch.batchID, message: String(repeating: "x", count: 100_000))))
        let logged = fault.outputs.compactMap { if case .log(_, let text) = $0 { text } else { nil } }
        #expect(logged.allSatisfy { $0.utf8.count < 2000 }, "a 100 kB fault message reached the log")
    }
}
