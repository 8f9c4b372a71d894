import Coordinator
import MagnusTestSupport
import Shared
import Testing

/// Request-level scheduling for continuous workers: order, admission by reservation or
/// projected peak, progress, preemption and release.
@Suite struct ContinuousSchedulingTests {
    /// A continuous worker with `slots` KV slots in blocks of 16 and `running` sequences.
    static func worker(slots: Int, running: Int = 256) -> WorkerCapabilities {
        var capabilities = WorkerCapabilities(
            gpu: "test", model: "test", memoryBytes: 1 << 40, kvBudgetBytes: slots, kvBytesPerToken: 1)
        capabilities.continuous = ContinuousCapacity(kvTokenSlots: slots, blockSize: 16, maxRunning: running)
        return capabilities
    }

    /// A scheduler under `policy` predicting each request's reference length (upper bound
    /// twice that), timing each by its predicted generation in seconds.
    static func scheduler(_ policy: ContinuousPolicy, capacity: Int = 1_000_000) -> Scheduler {
        Scheduler(
            configuration: SchedulerConfiguration(kvTokenCapacity: capacity, continuous: policy),
            predictor: ReferencePredictor(), estimator: GenerationSecondsEstimator())
    }

    static func ids(_ actions: [SchedulerAction]) -> [String] {
        actions.compactMap { if case .dispatched(let batch) = $0 { batch.members[0].request.id.rawValue } else { nil } }
    }

    static let room = ContinuousRoom(freeTokens: 1_000_000, freeSequences: 256)
    let worker = WorkerID("w")

    @Test func firstComeFirstServedAdmitsInArrivalOrder() {
        var scheduler = Self.scheduler(.pagedFirstComeFirstServed)
        for (index, length) in [50, 10, 30].enumerated() {
            _ = scheduler.submit(makeRequest("r\(index)", generation: length, arrival: Double(index)))
        }
        let (actions, _) = scheduler.admit(to: worker, capabilities: Self.worker(slots: 100_000), room: Self.room, now: 5)
        #expect(Self.ids(actions) == ["r0", "r1", "r2"])
    }

    @Test func shortestFirstThenWaitingAgesTheLongOnesIn() {
        var scheduler = Self.scheduler(.magnus(aging: 1, tailGuard: 0))
        _ = scheduler.submit(makeRequest("long-old", generation: 100, arrival: 0))
        _ = scheduler.submit(makeRequest("short-new", generation: 10, arrival: 95))
        // At 100, S − aging · W: 100 − 1 · 100 = 0 for the old long one, 10 − 1 · 5 = 5 for the new short one.
        let (first, _) = scheduler.admit(
            to: worker, capabilities: Self.worker(slots: 100_000), room: Self.room, now: 100, limit: 1)
        #expect(Self.ids(first) == ["long-old"])
        var fresh = Self.scheduler(.magnus(aging: 0, tailGuard: 0))
        _ = fresh.submit(makeRequest("long-old", generation: 100, arrival: 0))
        _ = fresh.submit(makeRequest("short-new", generation: 10, arrival: 95))
        let (sjf, _) = fresh.admit(to: worker, capabilities: Self.worker(slots: 100_000), room: Self.room, now: 100, limit: 1)
        #expect(Self.ids(sjf) == ["short-new"])
    }

    @Test func theTailGuardStartsTheLongestWhenItWouldOutlastTheQueue() {
        var scheduler = Self.scheduler(.magnus(aging: 0, tailGuard: 1))
        _ = scheduler.submit(makeRequest("short", generation: 10, arrival: 0))
        _ = scheduler.submit(makeRequest("long", generation: 90, arrival: 0))
        // Nothing runs: ΣS / 1 = 100 > 90, shortest first; then ΣS = 90 ≤ 1 · 90: the long one is due.
        let (actions, _) = scheduler.admit(to: worker, capabilities: Self.worker(slots: 100_000), room: Self.room, now: 1)
        #expect(Self.ids(actions) == ["short", "long"])
        // ΣS / R: 90 / 1 > 60, 80 / 1 > 60, then 70 / 2 ≤ 60 with two running: the long one goes third.
        var deep = Self.scheduler(.magnus(aging: 0, tailGuard: 1))
        _ = deep.submit(makeRequest("long", generation: 60, arrival: 0))
        for name in ["s1", "s2", "s3"] { _ = deep.submit(makeRequest(name, generation: 10, arrival: 0)) }
        let (order, _) = deep.admit(to: worker, capabilities: Self.worker(slots: 100_000), room: Self.room, now: 1)
        #expect(Self.ids(order) == ["s1", "s2", "long", "s3"])
    }

    @Test func theWorstCaseReservationBoundsTheLedger() {
        var scheduler = Self.scheduler(.conservative)
        for index in 0..<3 { _ = scheduler.submit(makeRequest("r\(index)", input: 20, generation: 10)) }
        // Each reserves L + max_new_tokens = 20 + 4096, in blocks: 4128 slots.
        let capabilities = Self.worker(slots: 2 * 4128)
        let (actions, left) = scheduler.admit(to: worker, capabilities: capabilities, room: Self.room, now: 0)
        #expect(Self.ids(actions) == ["r0", "r1"])
        #expect(scheduler.reservedTokens[worker] == 2 * 4128)
        #expect(left.freeSequences == 254 && left.freeTokens == 1_000_000 - 2 * 32)
    }

    @Test func theProjectedPeakCountsThatRowsLeaveAtTheirLengths() {
        var scheduler = Self.scheduler(.oracle)
        // With true lengths (upper = 2 × reference here, so plan with the reference's double):
        // L = 100, G = 100 → each reserves 100 + 200 = 300, in blocks 304.
        for index in 0..<6 { _ = scheduler.submit(makeRequest("r\(index)", input: 100, generation: 100)) }
        let capabilities = Self.worker(slots: 1000)
        let (actions, _) = scheduler.admit(to: worker, capabilities: capabilities, room: Self.room, now: 0)
        // Before any report a row may be up to 32 tokens on; at its end k equal rows hold
        // k · (304 + 8): three fit 990 (1000 less the 1 % watermark), four do not.
        #expect(Self.ids(actions) == ["r0", "r1", "r2"])
        #expect(scheduler.projectedPeak(of: worker, adding: nil, blockSize: 16, now: 0) == 3 * (304 + 8))
    }

    @Test func aWorkerHoldingNothingAlwaysGetsTheHead() {
        var scheduler = Self.scheduler(.conservative)
        _ = scheduler.submit(makeRequest("big", input: 20, generation: 10))
        let (actions, _) = scheduler.admit(
            to: worker, capabilities: Self.worker(slots: 1024), room: ContinuousRoom(freeTokens: 1024, freeSequences: 256), now: 0)
        #expect(Self.ids(actions) == ["big"])
    }

    @Test func progressRepredictsAndCompletionReleases() throws {
        var scheduler = Self.scheduler(.oracle)
        _ = scheduler.submit(makeRequest("r", input: 100, generation: 100))
        let (actions, _) = scheduler.admit(to: worker, capabilities: Self.worker(slots: 10_000), room: Self.room, now: 0)
        let admission = try #require(actions.dispatchedBatch)
        #expect(admission.reservedTokens == 304)
        // 150 tokens in, past the point prediction: the plan follows the remaining bound.
        let running = scheduler.progress(admission.id, generatedTokens: 150, now: 5)
        #expect(running)
        let updated = try #require(scheduler.running[admission.id])
        #expect(updated.progressTokens == 150 && updated.reservedTokens == 100 + 150 + 50)
        let stale = scheduler.progress(BatchID(999), generatedTokens: 1, now: 5)
        #expect(!stale)
        let report = BatchReport(
            batchID: admission.id, worker: worker, duration: 3,
            outputs: [RequestOutput(id: RequestID("r"), text: "t", generatedTokens: 180, finished: true)], firstTokenSeconds: 0.5)
        let done = scheduler.complete(report, now: 10)
        #expect(scheduler.reservedTokens[worker] == nil && scheduler.running.isEmpty)
        guard case .completed(let completed)? = done.first else {
            Issue.record("no completion")
            return
        }
        #expect(completed.firstTokenAt == 0.5)
    }

    @Test func aPreemptedRequestContinuesFromItsText() throws {
        var scheduler = Self.scheduler(.pagedFirstComeFirstServed)
        _ = scheduler.submit(makeRequest("r", input: 40, generation: 100))
        let (actions, _) = scheduler.admit(to: worker, capabilities: Self.worker(slots: 10_000), room: Self.room, now: 0)
        let admission = try #require(actions.dispatchedBatch)
        let requeued = scheduler.failed(admission.id, reason: .preempted(text: "a b c", generatedTokens: 3, firstTokenSeconds: 0.2))
        #expect(requeued == [.preempted(RequestID("r"), generatedTokens: 3, recomputedTokens: 43)])
        #expect(scheduler.reservedTokens.isEmpty && scheduler.queue.count == 1)
        let (again, _) = scheduler.admit(to: worker, capabilities: Self.worker(slots: 10_000), room: Self.room, now: 1)
        let second = try #require(again.dispatchedBatch)
        let item = try #require(second.items.first)
        #expect(item.continuation == "a b c" && item.inputTokens == 43 && item.maxNewTokens == 4096 - 3)
        // Preemption is not a fault: the continuation starts with fresh attempts.
        #expect(second.attempts == 1)
        let report = BatchReport(
            batchID: second.id, worker: worker, duration: 1,
            outputs: [RequestOutput(id: RequestID("r"), text: " d", generatedTokens: 97, finished: true)])
        guard case .completed(let completed)? = scheduler.complete(report, now: 5).first else {
            Issue.record("no completion")
            return
        }
        #expect(completed.output.text == "a b c d" && completed.output.generatedTokens == 100)
        #expect(completed.firstTokenAt == 0.2)
    }
}
