import Testing
import Shared
@testable import Coordinator
import MagnusTestSupport

@Suite struct SchedulingTests {
    /// Two single-request batches: "short" (T_p = 10 s) and "long" (T_p = 100 s).
    func twoBatches(longArrival: Seconds, shortArrival: Seconds) -> Scheduler {
        var scheduler = makeScheduler(threshold: 1)
        _ = scheduler.submit(makeRequest("long", input: 10, generation: 100, arrival: longArrival))
        _ = scheduler.submit(makeRequest("short", input: 10, generation: 10, arrival: shortArrival))
        return scheduler
    }

    @Test func hrrnServesTheShorterBatchFirstAtEqualWait() {
        var scheduler = twoBatches(longArrival: 0, shortArrival: 0)
        let first = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 5)
        #expect(first?.requests.map(\.id.rawValue) == ["short"])
    }

    @Test func hrrnAgesALongBatchPastAFreshShortOne() {
        // At t = 400: long waited 400 s → (400 + 100) / 100 = 5; short waited 20 s → (20 + 10) / 10 = 3.
        var scheduler = twoBatches(longArrival: 0, shortArrival: 380)
        let first = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 400)
        #expect(first?.requests.map(\.id.rawValue) == ["long"])
        #expect(scheduler.queue.first?.responseRatio(at: 400) == 3)
    }

    @Test func oldLongBatchIsEventuallyServedUnderAStreamOfShortOnes() {
        var scheduler = makeScheduler(threshold: 1)
        _ = scheduler.submit(makeRequest("long", input: 10, generation: 100, arrival: 0))
        var servedLongAt: Seconds?
        for step in 1...200 {
            let now = Double(step) * 10
            _ = scheduler.submit(makeRequest("s\(step)", input: 10, generation: 10, arrival: now))
            guard let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: now) else { continue }
            if batch.requests.first?.id.rawValue == "long" {
                servedLongAt = now
                break
            }
            _ = scheduler.complete(
                BatchReport(batchID: batch.id, worker: batch.worker, duration: 10, outputs: batch.requests.map {
                    RequestOutput(id: $0.id, text: "", generatedTokens: 10)
                }), now: now)
        }
        #expect(servedLongAt != nil)
    }

    @Test func fcfsServesTheOldestBatchFirst() {
        var scheduler = makeScheduler(policy: .abp, threshold: 1)
        _ = scheduler.submit(makeRequest("long", input: 10, generation: 100, arrival: 0))
        _ = scheduler.submit(makeRequest("short", input: 10, generation: 10, arrival: 1))
        #expect(drain(&scheduler, now: 2) == [["long"], ["short"]])
    }

    @Test func workerGetsOnlyBatchesThatFitItsMemory() {
        var scheduler = makeScheduler(threshold: 1e12, capacity: 1_000)
        for i in 0..<4 { _ = scheduler.submit(makeRequest("r\(i)", input: 100, generation: 100)) }
        // One batch of 4 × 200 = 800 token slots.
        #expect(scheduler.queue.count == 1)
        let small = WorkerCapabilities(gpu: "s", model: "m", memoryBytes: 1_000, kvBudgetBytes: 600, kvBytesPerToken: 1)
        #expect(scheduler.nextBatch(for: WorkerID("small"), capabilities: small, now: 0) == nil)
        let large = WorkerCapabilities(gpu: "l", model: "m", memoryBytes: 2_000, kvBudgetBytes: 1_000, kvBytesPerToken: 1)
        #expect(scheduler.nextBatch(for: WorkerID("large"), capabilities: large, now: 0)?.members.count == 4)
    }

    @Test func completionAnswersEveryMemberAndObservesTheBatch() {
        var scheduler = makeScheduler()
        _ = scheduler.submit(makeRequest("a", input: 10, generation: 5, arrival: 0))
        _ = scheduler.submit(makeRequest("b", input: 4, generation: 2, arrival: 1))
        let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 2)!
        let actions = scheduler.complete(
            BatchReport(batchID: batch.id, worker: WorkerID("w"), duration: 3, outputs: [
                RequestOutput(id: RequestID("a"), text: "A", generatedTokens: 5),
                RequestOutput(id: RequestID("b"), text: "B", generatedTokens: 2),
            ]), now: 5)
        let completed = actions.compactMap { if case .completed(let c) = $0 { return c } else { return nil } }
        #expect(completed.map(\.request.id.rawValue).sorted() == ["a", "b"])
        #expect(completed.first { $0.request.id.rawValue == "b" }?.responseTime == 4)
        let observed = actions.compactMap { if case .observedBatch(let o) = $0 { return o } else { return nil } }
        #expect(observed.count == 1)
        #expect(observed[0].actualMaxGeneration == 5)
        #expect(observed[0].wastedMemoryAccess == 66)
        #expect(scheduler.unfinishedRequestCount == 0)
        // A second report of the same batch is ignored: nothing is answered twice.
        #expect(scheduler.complete(BatchReport(batchID: batch.id, worker: WorkerID("w"), duration: 3, outputs: []), now: 6).isEmpty)
    }

    @Test func reportMissingAnOutputRequeuesThatRequest() {
        var scheduler = makeScheduler()
        _ = scheduler.submit(makeRequest("a", input: 10, generation: 5))
        _ = scheduler.submit(makeRequest("b", input: 10, generation: 5))
        let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0)!
        _ = scheduler.complete(
            BatchReport(batchID: batch.id, worker: WorkerID("w"), duration: 1, outputs: [
                RequestOutput(id: RequestID("a"), text: "", generatedTokens: 5)
            ]), now: 1)
        #expect(scheduler.contains(RequestID("b")))
        #expect(drain(&scheduler) == [["b"]])
    }
}

@Suite struct RecoveryTests {
    @Test func outOfMemorySplitsDownToASingleRequestThatFailsExplicitly() {
        var scheduler = makeScheduler()
        for i in 0..<4 { _ = scheduler.submit(makeRequest("r\(i)", input: 10, generation: 10 + i)) }
        var failures: [MagnusError] = []
        var splits = 0
        var dispatches = 0
        // Every batch runs out of memory: 4 → 2 + 2 → 1 + 1 + 1 + 1 → four explicit failures.
        while let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0) {
            dispatches += 1
            #expect(dispatches <= 7, "an OOM must never loop")
            if dispatches > 7 { break }
            for action in scheduler.failed(batch.id, reason: .outOfMemory(step: 3)) {
                switch action {
                case .split(let parent, let children):
                    splits += 1
                    #expect(parent == batch.id && children.count == 2)
                case .failed(_, let error): failures.append(error)
                default: break
                }
            }
        }
        #expect(dispatches == 7)
        #expect(splits == 3)
        #expect(failures.count == 4 && failures.allSatisfy { $0.code == .outOfMemory })
        #expect(scheduler.unfinishedRequestCount == 0)
    }

    @Test func splitHalvesAreSealedAndHaveEqualSize() {
        var scheduler = makeScheduler()
        for i in 0..<6 { _ = scheduler.submit(makeRequest("r\(i)", input: 10, generation: 10 * (i + 1))) }
        let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0)!
        _ = scheduler.failed(batch.id, reason: .outOfMemory(step: 0))
        #expect(scheduler.queue.map(\.members.count) == [3, 3])
        #expect(scheduler.queue.allSatisfy { $0.isSealed })
        // The halves group by predicted length: the three shortest together.
        #expect(scheduler.queue[0].members.map(\.request.id.rawValue) == ["r0", "r1", "r2"])
        _ = scheduler.submit(makeRequest("new", input: 10, generation: 10))
        #expect(scheduler.queue.count == 3)
    }

    @Test func lostWorkerRequeuesTheBatchAndAPoisonBatchEventuallyFails() {
        var scheduler = makeScheduler(maxAttempts: 2)
        _ = scheduler.submit(makeRequest("a", input: 10, generation: 5))
        var requeues = 0
        var failed: [MagnusError] = []
        var rounds = 0
        while let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: 0), rounds < 10 {
            rounds += 1
            for action in scheduler.failed(batch.id, reason: .workerLost) {
                if case .requeued = action { requeues += 1 }
                if case .failed(_, let error) = action { failed.append(error) }
            }
        }
        #expect(requeues == 1)
        #expect(failed.map(\.code) == [.engineFault])
        #expect(rounds == 2)
    }
}
