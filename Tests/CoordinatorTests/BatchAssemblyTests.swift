import Testing
import MagnusTestSupport
import Shared
@testable import Coordinator

@Suite struct BatchAssemblyTests {
    @Test func memoryCapRefusesInsertionAndOpensANewBatch() {
        // Capacity 100 token slots; each request needs L + G = 50.
        var scheduler = makeScheduler(capacity: 100)
        for i in 0..<3 { _ = scheduler.submit(makeRequest("r\(i)", input: 40, generation: 10)) }
        #expect(scheduler.queue.map(\.members.count) == [2, 1])
        #expect(scheduler.queue.allSatisfy { $0.shape.kvTokens(upper: false) <= 100 })
    }

    @Test func thresholdBelowEveryWMAOpensOneBatchPerRequest() {
        var scheduler = makeScheduler(threshold: 1)
        for i in 0..<4 { _ = scheduler.submit(makeRequest("r\(i)", input: 10, generation: 10)) }
        #expect(scheduler.queue.count == 4)
        var generous = makeScheduler(threshold: 1e9)
        for i in 0..<4 { _ = generous.submit(makeRequest("r\(i)", input: 10, generation: 10)) }
        #expect(generous.queue.count == 1)
    }

    @Test func thresholdComparesTheMinimumWMA() {
        // A batch {(L 10, G 10)}; adding an identical request gives WMA 20 (gen 0, wait 10 + 10).
        var below = makeScheduler(threshold: 21)
        _ = below.submit(makeRequest("a", input: 10, generation: 10))
        _ = below.submit(makeRequest("b", input: 10, generation: 10))
        #expect(below.queue.count == 1)
        var atThreshold = makeScheduler(threshold: 20)
        _ = atThreshold.submit(makeRequest("a", input: 10, generation: 10))
        _ = atThreshold.submit(makeRequest("b", input: 10, generation: 10))
        #expect(atThreshold.queue.count == 2)
    }

    @Test func requestJoinsTheBatchWhereItAddsLeastWMA() {
        // Φ = 50,000: the short and long requests cannot share a batch (WMA ≈ 1.04 M), but
        // each newcomer fits its own kind: short2 adds WMA 45 to {short}, long2 adds 34,445
        // to {long} (hand-computed from the two terms).
        var scheduler = makeScheduler(threshold: 50_000)
        _ = scheduler.submit(makeRequest("short", input: 10, generation: 5))
        _ = scheduler.submit(makeRequest("long", input: 900, generation: 800))
        #expect(scheduler.queue.count == 2)
        #expect(scheduler.queue[0].shape.wastedMemoryAccess(adding: 12, generation: 6) == 45)
        #expect(scheduler.queue[1].shape.wastedMemoryAccess(adding: 880, generation: 790) == 34_445)
        _ = scheduler.submit(makeRequest("short2", input: 12, generation: 6))
        _ = scheduler.submit(makeRequest("long2", input: 880, generation: 790))
        let groups = scheduler.queue.map { $0.members.map(\.request.id.rawValue).sorted() }
        #expect(groups == [["short", "short2"], ["long", "long2"]])
    }

    @Test func glpCapsTheBatchSize() {
        var scheduler = makeScheduler(policy: .glp(batchSize: 2))
        for i in 0..<5 { _ = scheduler.submit(makeRequest("r\(i)", input: 10, generation: 10)) }
        #expect(scheduler.queue.map(\.members.count) == [2, 2, 1])
    }

    @Test func vanillaBatchesInArrivalOrderAtAFixedSize() {
        var scheduler = makeScheduler(policy: .vanilla(batchSize: 3))
        let lengths = [5, 900, 7, 800, 6, 10, 700]
        for (i, g) in lengths.enumerated() {
            _ = scheduler.submit(makeRequest("r\(i)", input: 10, generation: g, arrival: Double(i)))
        }
        #expect(drain(&scheduler, now: 10) == [["r0", "r1", "r2"], ["r3", "r4", "r5"], ["r6"]])
    }

    @Test func duplicateAndInvalidSubmissionsAreRejectedWithCodes() {
        var scheduler = makeScheduler(capacity: 100)
        #expect(scheduler.submit(makeRequest("a", input: 10, generation: 5)).count == 1)
        let duplicate = scheduler.submit(makeRequest("a", input: 10, generation: 5))
        #expect(duplicate == [.rejected(RequestID("a"), MagnusError(.duplicateID, "request a is already queued or running"))])
        guard case .rejected(_, let tooLong) = scheduler.submit(makeRequest("b", input: 100, generation: 5)).first else {
            Issue.record("expected a rejection")
            return
        }
        #expect(tooLong.code == .inputTooLong)
        var invalid = makeRequest("c", input: 10, generation: 5)
        invalid.maxNewTokens = 0
        guard case .rejected(_, let error) = scheduler.submit(invalid).first else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.code == .invalidRequest)
    }

    @Test func cancellationFreesTheQueuedPlace() {
        var scheduler = makeScheduler()
        _ = scheduler.submit(makeRequest("a", input: 10, generation: 5))
        _ = scheduler.submit(makeRequest("b", input: 10, generation: 5))
        let cancelled = scheduler.cancel(RequestID("a"))
        #expect(cancelled)
        #expect(!scheduler.contains(RequestID("a")))
        #expect(scheduler.queuedRequestCount == 1)
        let again = scheduler.cancel(RequestID("a"))
        #expect(!again)
    }
}
