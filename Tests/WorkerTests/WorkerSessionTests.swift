import Worker
import Shared
import Testing

@Suite("Worker session")
struct WorkerSessionTests {
    let capabilities = WorkerCapabilities(gpu: "g", model: "m", memoryBytes: 100, kvBudgetBytes: 50, kvBytesPerToken: 1)

    private func sent(_ actions: [WorkerSession.Action]) -> [String] {
        actions.compactMap {
            guard case .send(let message) = $0 else { return nil }
            switch message {
            case .hello: return "hello"
            case .ready(let ready): return ready.room.map { "ready \($0.freeTokens)/\($0.freeSequences)" } ?? "ready"
            case .heartbeat(let beat): return beat.batchID.map { "heartbeat \($0)" } ?? "heartbeat"
            case .result(let result): return "result \(result.batchID)"
            case .outOfMemory: return "oom"
            case .fault(let fault): return "fault \(fault.batchID)"
            case .goodbye: return "goodbye"
            case .progress(let progress): return "progress \(progress.rows.count)"
            case .preempted(let preempted): return "preempted \(preempted.batchID)"
            }
        }
    }

    private func welcome(interval: Int = 500) -> [UInt8] {
        CoordinatorDirective.welcome(
            WelcomeMessage(worker: WorkerID("w"), heartbeatIntervalMilliseconds: interval, heartbeatTimeoutMilliseconds: 3000)
        ).payload
    }

    private func batch(_ id: UInt64) -> BatchMessage {
        BatchMessage(
            batchID: BatchID(id), requests: [WireBatchItem(id: RequestID("r"), prompt: "p", inputTokens: 1, maxNewTokens: 4)],
            estimatedSeconds: 1)
    }

    private func result(_ id: UInt64) -> WorkerMessage {
        .result(BatchResultMessage(batchID: BatchID(id), duration: 1, outputs: []))
    }

    @Test func helloWelcomeReadyRunReport() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities)
        #expect(sent(session.start(now: 0)) == ["hello"])
        #expect(sent(session.received(welcome(), now: 0.1)) == ["ready"])
        #expect(session.heartbeatInterval == 0.5)
        let run = session.received(CoordinatorDirective.batch(batch(1)).payload, now: 0.2)
        #expect(run.contains(.run(batch(1))))
        #expect(session.running == BatchID(1))
        // Heartbeats keep flowing while the batch runs, naming it.
        #expect(sent(session.tick(now: 0.7)) == ["heartbeat b1"])
        #expect(sent(session.tick(now: 0.8)) == [])
        #expect(sent(session.finished(result(1), now: 1)) == ["result b1", "ready"])
        #expect(sent(session.tick(now: 1.3)) == ["heartbeat"])
    }

    @Test func repeatedWelcomeDoesNotAskTwice() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities)
        _ = session.start(now: 0)
        #expect(sent(session.received(welcome(), now: 0)) == ["ready"])
        #expect(sent(session.received(welcome(), now: 0.1)) == [])
    }

    @Test func unknownWorkerSaysHelloAgainAndKeepsRunning() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities)
        _ = session.start(now: 0)
        _ = session.received(welcome(), now: 0)
        _ = session.received(CoordinatorDirective.batch(batch(4)).payload, now: 0)
        let unknown = CoordinatorDirective.error(ErrorMessage(code: .unknownWorker, message: "who?")).payload
        #expect(sent(session.received(unknown, now: 1)) == ["hello"])
        #expect(!session.isWelcomed)
        // No heartbeats until welcomed again; the batch still finishes and is reported.
        #expect(sent(session.tick(now: 2)) == [])
        #expect(sent(session.received(welcome(), now: 2)) == [])
        #expect(sent(session.finished(result(4), now: 3)) == ["result b4", "ready"])
    }

    @Test func unansweredHelloIsRetried() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities, helloRetry: 2)
        _ = session.start(now: 0)
        #expect(sent(session.tick(now: 1)) == [])
        #expect(sent(session.tick(now: 2)) == ["hello"])
    }

    @Test func aSecondBatchWhileBusyIsRefused() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities)
        _ = session.start(now: 0)
        _ = session.received(welcome(), now: 0)
        _ = session.received(CoordinatorDirective.batch(batch(1)).payload, now: 0)
        #expect(sent(session.received(CoordinatorDirective.batch(batch(2)).payload, now: 0)) == ["fault b2"])
        #expect(session.running == BatchID(1))
    }

    @Test func drainFinishesTheRunningBatchThenLeaves() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities, drainTimeout: 10)
        _ = session.start(now: 0)
        _ = session.received(welcome(), now: 0)
        _ = session.received(CoordinatorDirective.batch(batch(1)).payload, now: 0)
        #expect(sent(session.beginDrain(now: 1)) == [])
        let end = session.finished(result(1), now: 2)
        #expect(sent(end) == ["result b1", "goodbye"])
        #expect(end.contains(.exit) && session.isStopped)
    }

    @Test func drainTimeoutLeavesAnyway() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities, drainTimeout: 5)
        _ = session.start(now: 0)
        _ = session.received(welcome(), now: 0)
        _ = session.received(CoordinatorDirective.batch(batch(1)).payload, now: 0)
        _ = session.beginDrain(now: 1)
        #expect(session.tick(now: 6).contains(.exit))
    }

    @Test func idleDrainLeavesAtOnce() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities)
        _ = session.start(now: 0)
        _ = session.received(welcome(), now: 0)
        #expect(sent(session.beginDrain(now: 1)) == ["goodbye"])
    }

    @Test func garbageFromTheCoordinatorIsLoggedNotFatal() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: capabilities)
        _ = session.start(now: 0)
        let actions = session.received(Array("junk".utf8), now: 0)
        #expect(sent(actions).isEmpty && actions.count == 1)
    }

    // MARK: Continuous mode

    private var continuousCapabilities: WorkerCapabilities {
        var capabilities = capabilities
        capabilities.continuous = ContinuousCapacity(kvTokenSlots: 64, blockSize: 16, maxRunning: 4)
        return capabilities
    }

    private func step(_ reports: [WorkerMessage], room: ContinuousRoom) -> ContinuousStep {
        ContinuousStep(duration: 0.1, reports: reports, room: room, rows: 1)
    }

    @Test func aContinuousWorkerTakesAdmissionsWhileItRunsAndStatesItsRoom() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: continuousCapabilities)
        _ = session.start(now: 0)
        #expect(sent(session.received(welcome(), now: 0)) == ["ready 64/4"])
        let first = session.received(.batch(batch(1)), now: 0.1)
        let second = session.received(.batch(batch(2)), now: 0.2)
        #expect(first == [.admit(batch(1))] && second == [.admit(batch(2))])
        #expect(session.admissions == [BatchID(1), BatchID(2)])
        // A step without an ending reports what it has and asks for nothing.
        let progress = WorkerMessage.progress(ProgressMessage(rows: [.init(batchID: BatchID(2), generatedTokens: 32)]))
        #expect(sent(session.stepped(step([progress], room: ContinuousRoom(freeTokens: 32, freeSequences: 2)), now: 0.3)) == ["progress 1"])
        // An ending frees room: the report, then the room left.
        let done = step([result(1)], room: ContinuousRoom(freeTokens: 48, freeSequences: 3))
        #expect(sent(session.stepped(done, now: 0.4)) == ["result b1", "ready 48/3"])
        #expect(session.admissions == [BatchID(2)])
        let preempted = WorkerMessage.preempted(PreemptedMessage(batchID: BatchID(2), text: "a b", generatedTokens: 2, duration: 1))
        #expect(sent(session.stepped(step([preempted], room: ContinuousRoom(freeTokens: 64, freeSequences: 4)), now: 0.5)) == ["preempted b2", "ready 64/4"])
        #expect(session.admissions.isEmpty)
    }

    @Test func aDrainingContinuousWorkerRefusesAdmissionsAndLeavesWhenEmpty() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: continuousCapabilities)
        _ = session.start(now: 0)
        _ = session.received(welcome(), now: 0)
        _ = session.received(.batch(batch(1)), now: 0)
        #expect(sent(session.beginDrain(now: 1)) == [])
        #expect(sent(session.received(.batch(batch(2)), now: 1.1)) == ["fault b2"])
        let end = session.stepped(step([result(1)], room: ContinuousRoom(freeTokens: 64, freeSequences: 4)), now: 2)
        #expect(sent(end) == ["result b1", "goodbye"])
        #expect(end.last == .exit)
    }

    @Test func aContinuousWorkerRefusesMultiRequestAdmissions() {
        var session = WorkerSession(worker: WorkerID("w"), capabilities: continuousCapabilities)
        _ = session.start(now: 0)
        _ = session.received(welcome(), now: 0)
        var two = batch(3)
        two.requests.append(WireBatchItem(id: RequestID("s"), prompt: "p", inputTokens: 1, maxNewTokens: 4))
        #expect(sent(session.received(.batch(two), now: 0)) == ["fault b3"])
        let failed = session.admissionFailed(BatchID(4), message: "too long", room: ContinuousRoom(freeTokens: 64, freeSequences: 4), now: 0)
        #expect(sent(failed) == ["fault b4"])
    }
}
