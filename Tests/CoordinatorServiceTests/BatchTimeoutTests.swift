import Coordinator
import CoordinatorShell
import Shared
import Testing

/// A worker that keeps heartbeating but never reports holds its batch only until the batch
/// timeout.
@Suite struct BatchTimeoutTests {
    @Test func aHungBatchIsTakenBackRequeuedAndItsLateReportIgnored() throws {
        var h = RuntimeHarness {
            $0.runtime.batchTimeoutFloor = 20
            $0.runtime.batchTimeoutFactor = 2
            $0.runtime.heartbeatTimeout = 3
        }
        _ = h.submit("a")
        let batch = try #require(h.join("w1").batches.first).batch
        _ = h.join("w2")
        // w1 heartbeats for 19 s: still its batch.
        for second in 1...19 {
            h.now = Double(second)
            _ = h.fromWorker("w1", .heartbeat(HeartbeatMessage(batchID: batch.batchID)))
            _ = h.fromWorker("w2", .heartbeat(HeartbeatMessage(batchID: nil)))
            #expect(h.tick().workerErrors.isEmpty)
        }
        h.now = 21
        _ = h.fromWorker("w1", .heartbeat(HeartbeatMessage(batchID: batch.batchID)))
        _ = h.fromWorker("w2", .heartbeat(HeartbeatMessage(batchID: nil)))
        let expired = h.tick()
        #expect(expired.workerErrors.map(\.code) == [.batchTimeout])
        #expect(expired.directives.first { if case .error = $0.directive { true } else { false } }?.worker == "w1")
        #expect(expired.events.contains { $0.kind == .requeue })
        // The waiting worker gets the requeued batch at once.
        let resent = try #require(expired.batches.first)
        #expect(resent.worker == "w2" && resent.batch.requests.map(\.id) == [RequestID("a")])
        // The late report from w1 is ignored; w2's is answered once.
        let late = h.fromWorker("w1", RuntimeHarness.report(batch))
        #expect(late.workerErrors.map(\.code) == [.unknownBatch] && late.results.isEmpty)
        let done = h.fromWorker("w2", RuntimeHarness.report(resent.batch))
        #expect(done.results.map(\.id) == [RequestID("a")])
        #expect(h.runtime.workerCount == 2)
    }
}
