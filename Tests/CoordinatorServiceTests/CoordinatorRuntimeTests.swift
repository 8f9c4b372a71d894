import Coordinator
import MagnusTestSupport
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared
import Testing

@Suite("Coordinator runtime")
struct CoordinatorRuntimeTests {
    @Test func submitDispatchCompleteAnswersOnce() throws {
        var h = RuntimeHarness()
        let accepted = h.submit("a", inputTokens: 12, output: 7)
        guard case .accepted(let acceptance) = accepted.replies.first?.reply else {
            Issue.record("no accepted: \(accepted.outputs)")
            return
        }
        #expect(acceptance.id == RequestID("a") && acceptance.inputTokens == 12)
        #expect(acceptance.queuePosition == 1 && acceptance.queueDepth == 1)

        let joined = h.join("w1")
        #expect(joined.directives.contains { if case .welcome = $0.directive { true } else { false } })
        let batch = try #require(joined.batches.first).batch
        #expect(batch.requests.map(\.id) == [RequestID("a")])
        #expect(batch.requests[0].simulatedOutputTokens == 7)
        #expect(batch.requests[0].prompt == "Do:\ninput of a")
        #expect(joined.events.contains { $0.kind == .dispatch && $0.batchID == batch.batchID })

        h.now = 2
        let done = h.fromWorker("w1", RuntimeHarness.report(batch))
        let result = try #require(done.results.first)
        #expect(done.results.count == 1)
        #expect(result.id == RequestID("a") && result.generatedTokens == 7 && result.worker == WorkerID("w1"))
        #expect(result.responseMilliseconds == 2000)
        #expect(done.events.contains { $0.kind == .complete })
        // Reporting the same batch again is refused and answers nothing.
        let again = h.fromWorker("w1", RuntimeHarness.report(batch))
        #expect(again.results.isEmpty && again.workerErrors.first?.code == .unknownBatch)
    }

    @Test func resubmissionIsIdempotent() throws {
        var h = RuntimeHarness()
        _ = h.submit("a")
        // Same content while pending: accepted again, and the answer follows the latest socket.
        let other: [UInt8] = Array("client-2".utf8)
        let reack = h.submit("a", client: other)
        #expect(reack.replies.count == 1 && reack.replies[0].client == other)
        guard case .accepted = reack.replies[0].reply else { Issue.record("not re-acked"); return }
        // Different content: duplicate_id, the original goes on.
        #expect(h.submit("a", inputTokens: 99).errors.first?.code == .duplicateID)

        let batch = try #require(h.join("w1").batches.first).batch
        let done = h.fromWorker("w1", RuntimeHarness.report(batch))
        #expect(done.replies.count == 1 && done.replies[0].client == other)
        // Finished: the stored answer again, no new run.
        let replay = h.submit("a")
        #expect(replay.results == done.results)
        #expect(h.runtime.scheduler.unfinishedRequestCount == 0)
        #expect(h.submit("a", output: 6).errors.first?.code == .duplicateID)
    }

    @Test func lostWorkerBatchIsRequeuedAndAnsweredOnce() throws {
        var h = RuntimeHarness()
        for index in 0..<3 { _ = h.submit("r\(index)") }
        let first = try #require(h.join("w1").batches.first).batch
        #expect(first.requests.count == 3)
        // w1 goes silent; after the timeout it is declared lost and the batch requeued.
        h.now = 2
        _ = h.fromWorker("w2", .hello(HelloMessage(worker: WorkerID("w2"), capabilities: RuntimeHarness.capabilities)))
        h.now = 3.5
        _ = h.fromWorker("w2", .heartbeat(HeartbeatMessage()))
        let expired = h.tick()
        #expect(expired.events.contains { $0.kind == .workerDown && $0.worker == WorkerID("w1") })
        #expect(expired.events.contains { $0.kind == .requeue })
        #expect(h.runtime.workerCount == 1)
        let second = try #require(h.fromWorker("w2", .ready(ReadyMessage())).batches.first).batch
        #expect(Set(second.requests.map(\.id)) == Set(first.requests.map(\.id)))
        #expect(second.batchID != first.batchID)

        // The lost worker's late report is refused and answers nobody.
        let late = h.fromWorker("w1", RuntimeHarness.report(first))
        #expect(late.results.isEmpty && late.workerErrors.first?.code == .unknownWorker)
        let done = h.fromWorker("w2", RuntimeHarness.report(second))
        #expect(done.results.count == 3)
        #expect(h.runtime.pendingCount == 0)
        #expect(h.runtime.snapshot(now: h.now).workersLost == 1)
    }

    @Test func aDepartedWorkerIsShownDownForAMinute() throws {
        var h = RuntimeHarness()
        _ = h.join("w1")
        _ = h.join("w2")
        #expect(h.runtime.snapshot(now: h.now).workers.map(\.state) == ["idle", "idle"])
        // w1 goes silent and is declared lost: the next snapshot shows it down, not gone.
        h.now = 2
        _ = h.fromWorker("w2", .heartbeat(HeartbeatMessage()))
        h.now = 3.5
        _ = h.fromWorker("w2", .heartbeat(HeartbeatMessage()))
        #expect(h.tick().events.contains { $0.kind == .workerDown && $0.worker == WorkerID("w1") })
        let after = h.runtime.snapshot(now: 4)
        #expect(after.workers.map(\.worker.rawValue) == ["w2", "w1"])
        let down = try #require(after.workers.last)
        #expect(down.state == WorkerStatus.down && down.batchID == nil && down.gpu == RuntimeHarness.capabilities.gpu)
        #expect(h.runtime.snapshot(now: 30).workers.last?.stateSeconds == 26.5, "counted from the snapshot that first missed it (the tick's, at 3.5 s)")
        // A minute later it is gone; one that comes back under its name is no longer down.
        #expect(h.runtime.snapshot(now: 64.5).workers.map(\.worker.rawValue) == ["w2"])
        _ = h.fromWorker("w2", .goodbye(GoodbyeMessage()))
        #expect(h.runtime.snapshot(now: 65).workers.map(\.state) == [WorkerStatus.down])
        h.now = 66
        _ = h.join("w2")
        #expect(h.runtime.snapshot(now: 66).workers.map(\.state) == ["idle"])
    }

    @Test func helloWhileHoldingABatchRequeuesIt() throws {
        var h = RuntimeHarness()
        _ = h.submit("a")
        let batch = try #require(h.join("w1").batches.first).batch
        // The worker restarted: hello again, then ready: it gets the work again.
        let rejoined = h.join("w1")
        #expect(rejoined.events.contains { $0.kind == .requeue })
        let again = try #require(rejoined.batches.first).batch
        #expect(again.requests.map(\.id) == batch.requests.map(\.id))
        #expect(h.fromWorker("w1", RuntimeHarness.report(batch)).results.isEmpty)
        #expect(h.fromWorker("w1", RuntimeHarness.report(again)).results.count == 1)
    }

    @Test func repeatedHelloFromAnIdleWorkerOnlyWelcomesAgain() throws {
        var h = RuntimeHarness()
        _ = h.join("w1")
        let hello = h.fromWorker("w1", .hello(HelloMessage(worker: WorkerID("w1"), capabilities: RuntimeHarness.capabilities)))
        #expect(hello.events.isEmpty && hello.directives.count == 1)
        // Still idle: a submit is dispatched to it without another ready.
        #expect(h.submit("a").batches.count == 1)
    }

    @Test func outOfMemorySplitsAndALoneRequestFails() throws {
        var h = RuntimeHarness()
        for index in 0..<2 { _ = h.submit("r\(index)") }
        let batch = try #require(h.join("w1").batches.first).batch
        #expect(batch.requests.count == 2)
        let oom = h.fromWorker(
            "w1", .outOfMemory(OutOfMemoryMessage(batchID: batch.batchID, step: 3, requiredBytes: 10, availableBytes: 5, duration: 1)))
        let split = try #require(oom.events.first { $0.kind == .oom })
        #expect(split.children?.count == 2 && split.worker == WorkerID("w1"))
        let half = try #require(h.fromWorker("w1", .ready(ReadyMessage())).batches.first).batch
        #expect(half.requests.count == 1)
        let failed = h.fromWorker(
            "w1", .outOfMemory(OutOfMemoryMessage(batchID: half.batchID, step: 1, requiredBytes: 10, availableBytes: 5, duration: 1)))
        #expect(failed.errors.map(\.code) == [.outOfMemory])
        #expect(failed.errors.first?.id == half.requests[0].id)
        let snapshot = h.runtime.snapshot(now: 1)
        #expect(snapshot.oomCount == 2 && snapshot.splitCount == 1 && snapshot.failed == 1)
        #expect(h.runtime.pendingCount == 1)
    }

    @Test func faultsRequeueThenSplitThenFail() throws {
        var h = RuntimeHarness { $0.maxAttempts = 2 }
        _ = h.submit("a")
        var batch = try #require(h.join("w1").batches.first).batch
        var answers: [ErrorMessage] = []
        for _ in 0..<4 where answers.isEmpty {
            answers = h.fromWorker("w1", .fault(FaultMessage(batchID: batch.batchID, message: "boom"))).errors
            if let next = h.fromWorker("w1", .ready(ReadyMessage())).batches.first { batch = next.batch }
        }
        #expect(answers.map(\.code) == [.engineFault])
        #expect(h.runtime.pendingCount == 0)
    }

    @Test func cancelWithdrawsQueuedRequestsOnly() throws {
        var h = RuntimeHarness()
        _ = h.submit("a")
        let cancelled = h.fromClient(.cancel(CancelMessage(id: RequestID("a"))))
        #expect(cancelled.replies.map(\.reply) == [.cancelled(CancelledMessage(id: RequestID("a"), cancelled: true))])
        #expect(h.runtime.pendingCount == 0)
        #expect(
            h.fromClient(.cancel(CancelMessage(id: RequestID("zz")))).replies.map(\.reply)
                == [.cancelled(CancelledMessage(id: RequestID("zz"), cancelled: false, reason: "unknown"))])
        _ = h.submit("b")
        let batch = try #require(h.join("w1").batches.first).batch
        #expect(
            h.fromClient(.cancel(CancelMessage(id: RequestID("b")))).replies.map(\.reply)
                == [.cancelled(CancelledMessage(id: RequestID("b"), cancelled: false, reason: "running"))])
        #expect(h.fromWorker("w1", RuntimeHarness.report(batch)).results.count == 1)
        #expect(
            h.fromClient(.cancel(CancelMessage(id: RequestID("b")))).replies.map(\.reply)
                == [.cancelled(CancelledMessage(id: RequestID("b"), cancelled: false, reason: "finished"))])
    }

    @Test func deadlinesExpireQueuedRequests() {
        var h = RuntimeHarness()
        _ = h.fromClient(
            .submit(SubmitMessage(id: RequestID("d"), application: "a", instruction: "i", input: "x", deadlineMilliseconds: 500)))
        h.now = 0.4
        #expect(h.tick().errors.isEmpty)
        h.now = 0.6
        #expect(h.tick().errors.map(\.code) == [.deadlineExceeded])
        #expect(h.runtime.scheduler.unfinishedRequestCount == 0)
    }

    @Test func drainRefusesQueuedAndNewWorkAndWaitsForRunning() throws {
        var h = RuntimeHarness { $0.runtime.drainTimeout = 5 }
        _ = h.submit("running")
        let batch = try #require(h.join("w1").batches.first).batch
        _ = h.submit("queued")
        let drain = Step(h.runtime.beginDrain(now: h.now))
        #expect(drain.errors.map(\.code) == [.shuttingDown] && drain.errors.first?.id == RequestID("queued"))
        #expect(h.submit("new").errors.map(\.code) == [.shuttingDown])
        _ = h.tick()
        #expect(!h.runtime.isStopped)
        #expect(h.fromWorker("w1", RuntimeHarness.report(batch)).results.count == 1)
        _ = h.tick()
        #expect(h.runtime.isStopped)
    }

    @Test func drainTimeoutAnswersRunningRequests() throws {
        var h = RuntimeHarness { $0.runtime.drainTimeout = 2 }
        _ = h.submit("a")
        _ = try #require(h.join("w1").batches.first)
        _ = h.runtime.beginDrain(now: 0)
        h.now = 1
        _ = h.fromWorker("w1", .heartbeat(HeartbeatMessage()))
        #expect(h.tick().errors.isEmpty)
        h.now = 2.5
        _ = h.fromWorker("w1", .heartbeat(HeartbeatMessage()))
        let end = h.tick()
        #expect(end.errors.map(\.code) == [.shuttingDown])
        #expect(h.runtime.isStopped && h.runtime.pendingCount == 0)
    }

    @Test func limitsAndValidation() {
        var h = RuntimeHarness { $0.runtime.maxQueuedRequests = 1; $0.runtime.maxNewTokensLimit = 100 }
        _ = h.submit("a")
        #expect(h.submit("b").errors.map(\.code) == [.overloaded])
        let tooMany = h.fromClient(
            .submit(SubmitMessage(id: RequestID("c"), application: "a", instruction: "i", input: "x", maxNewTokens: 101)))
        #expect(tooMany.errors.map(\.code) == [.invalidRequest])
        let longID = String(repeating: "x", count: 300)
        #expect(
            h.fromClient(.submit(SubmitMessage(id: RequestID(longID), application: "a", instruction: "i", input: "x"))).errors.map(\.code)
                == [.invalidRequest])
    }

    @Test func countsInputTokensWhenAbsent() {
        var h = RuntimeHarness()
        let step = h.fromClient(.submit(SubmitMessage(id: RequestID("t"), application: "a", instruction: "Fix:", input: "one two three")))
        guard case .accepted(let accepted) = step.replies.first?.reply else { Issue.record("not accepted"); return }
        let counter = HeuristicTokenCounter()
        #expect(accepted.inputTokens == counter.count("Fix:") + counter.count("one two three"))
    }

    @Test func malformedInputIsAnsweredAndCounted() {
        var h = RuntimeHarness()
        #expect(h.fromClientRaw([RuntimeHarness.client, Array("nope".utf8)]).errors.map(\.code) == [.malformedMessage])
        #expect(h.fromClientRaw([RuntimeHarness.client, [1], Array("{}".utf8)]).errors.map(\.code) == [.malformedMessage])
        // A REQ-style empty delimiter is fine, and the reply keeps it.
        let delimited = h.fromClientRaw([RuntimeHarness.client, [], ClientMessage.ping(PingMessage(nonce: "n")).payload])
        #expect(delimited.outputs.first?.frames?.count == 3)
        #expect(h.fromWorker("ghost", .ready(ReadyMessage())).workerErrors.map(\.code) == [.unknownWorker])
        let bad = Step(h.runtime.receiveWorker([Array("w".utf8), Array("{\"v\":1,\"type\":\"hello\"}".utf8)], now: 0))
        #expect(bad.workerErrors.map(\.code) == [.malformedMessage])
        let errors = h.runtime.snapshot(now: 0).errors
        #expect(errors["malformed_message"] == 3 && errors["unknown_worker"] == 1)
    }

    @Test func batchesRespectWorkerBatchLimit() throws {
        var h = RuntimeHarness { $0.policy = .vanilla(batchSize: 4) }
        for index in 0..<4 { _ = h.submit("r\(index)") }
        var small = RuntimeHarness.capabilities
        small.maxBatchSize = 2
        #expect(h.join("small", capabilities: small).batches.isEmpty)
        #expect(try #require(h.join("big").batches.first).batch.requests.count == 4)
    }

    @Test func statusSnapshotsArePeriodic() {
        var h = RuntimeHarness { $0.runtime.statusInterval = 1 }
        let snapshots = { (step: RuntimeHarness.Step) in
            step.outputs.filter { if case .status(.snapshot) = $0 { true } else { false } }.count
        }
        #expect(snapshots(h.tick()) == 1)
        h.now = 0.5
        #expect(snapshots(h.tick()) == 0)
        h.now = 1.01
        #expect(snapshots(h.tick()) == 1)
    }
}

/// Wraps raw outputs in the harness's step view.
private func Step(_ outputs: [CoordinatorOutput]) -> RuntimeHarness.Step { RuntimeHarness.Step(outputs: outputs) }
