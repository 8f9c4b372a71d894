import Coordinator
import MagnusTestSupport
import Foundation
import Shared
import Testing

@testable import Storage

@Suite struct JournalTests {
    let epoch = 1_700_000_000.0

    /// Runs a first coordinator life that accepts eight requests, finishes two, cancels one,
    /// fails one and "crashes" (closes without recording anything else) with two requests
    /// on a worker and two queued.
    func crashedRun(in directory: String) throws {
        var scheduler = makeFixedBatchScheduler(batchSize: 2)
        try withStore(in: directory, epoch: epoch) { (store) throws in
            for i in 0..<8 {
                try submit(
                    makeRequest("r\(i)", arrival: Double(i), deadline: i == 7 ? 500 : nil), to: &scheduler,
                    store: store,
                    now: Double(i))
            }
            let first = try dispatch(&scheduler, to: "w1", store: store, now: 10)
            let second = try dispatch(&scheduler, to: "w2", store: store, now: 10)
            #expect(first.requests.map(\.id.rawValue) == ["r0", "r1"])
            #expect(second.requests.map(\.id.rawValue) == ["r2", "r3"])
            try store.record(scheduler.complete(report(for: first), now: 12), at: 12)
            let cancelled = scheduler.cancel(RequestID("r4"))
            #expect(cancelled)
            #expect(try store.markCancelled(RequestID("r4"), at: 13))
            #expect(try store.markFailed(RequestID("r5"), error: MagnusError(.deadlineExceeded, "too late"), at: 13))
            let counts = try store.counts()
            #expect(counts.requests(.done) == 2 && counts.requests(.running) == 2 && counts.requests(.queued) == 2)
        }
    }

    @Test func afterACrashTheReopenedJournalListsExactlyTheUnfinishedRequests() throws {
        try withTemporaryDirectory { directory in
            try crashedRun(in: directory)
            // The new run's clock starts 100 s later.
            try withStore(in: directory, epoch: epoch + 100) { (store) throws in
                #expect(store.run == 2)
                #expect(store.recovery.unfinishedRequests == 4)
                #expect(store.recovery.interruptedRequests == 2)
                #expect(store.recovery.lostBatches == 1)
                let unfinished = try store.unfinishedRequests()
                #expect(unfinished.map(\.id.rawValue) == ["r2", "r3", "r6", "r7"])
                #expect(unfinished[0].arrival == 2 - 100, "arrivals come back on the new run's clock")
                #expect(
                    unfinished[3].deadline == 400,
                    "\(String(describing: unfinished[3].deadline?.bitPattern)) \(unfinished[3].id)")
                #expect(unfinished[0].input == "input of r2" && unfinished[0].referenceOutputTokens == 30)
                #expect(try store.counts().requests(.running) == 0)

                // Queue them again in a fresh scheduler: every one is accepted.
                var scheduler = makeFixedBatchScheduler(batchSize: 2)
                for request in unfinished {
                    #expect(
                        scheduler.submit(request).contains { if case .accepted = $0 { true } else { false } })
                }
            }
            let outcomes = try inspect(directory, "SELECT run, id, outcome FROM batches ORDER BY run, id")
            #expect(outcomes == [[1, 1, "done"], [1, 2, "lost"]])
        }
    }

    @Test func finishedRequestsKeepTheirFinalAnswerAcrossRestarts() throws {
        try withTemporaryDirectory { directory in
            try crashedRun(in: directory)
            try withStore(in: directory, epoch: epoch + 100) { (store) throws in
                let done = try #require(try store.finishedResult(RequestID("r0")))
                #expect(done.status == .done && done.error == nil)
                #expect(done.output == RequestOutput(id: RequestID("r0"), text: "output of r0", generatedTokens: 30))
                #expect(
                    done.prediction == LengthPrediction(expected: 4096, upper: 4096),
                    "VS does not predict: G' = max_new_tokens")
                #expect(done.fingerprint == 42 && done.worker == WorkerID("w1"))
                #expect(done.finishedAt == 12 - 100 && done.dispatchedAt == 10 - 100)

                let cancelled = try #require(try store.finishedResult(RequestID("r4")))
                #expect(
                    cancelled.status == .cancelled && cancelled.output == nil && cancelled.error?.code == .cancelled)
                let failed = try #require(try store.finishedResult(RequestID("r5")))
                #expect(failed.status == .failed && failed.error == MagnusError(.deadlineExceeded, "too late"))

                #expect(try store.finishedResult(RequestID("r2")) == nil, "unfinished: no final answer yet")
                #expect(try store.finishedResult(RequestID("never")) == nil)

                let entry = try #require(try store.journalEntry(RequestID("r2")))
                #expect(entry.status == .queued && entry.clientID == "client" && entry.fingerprint == 42)
                #expect(entry.acceptedAt == 2 - 100)
                #expect(try store.journalEntry(RequestID("never")) == nil)

                // A finished request cannot be finished again.
                #expect(try !store.markCancelled(RequestID("r0"), at: 0))
                #expect(try !store.markFailed(RequestID("r4"), error: MagnusError(.engineFault, "x"), at: 0))
            }
        }
    }

    @Test func aWriteClosureIsOneTransaction() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                let prediction = LengthPrediction(expected: 5, upper: 10)
                try store.write { () throws(StorageError) in
                    for i in 0..<100 {
                        try store.journalAccepted(makeRequest("ok\(i)"), clientID: nil, prediction: prediction, at: 0)
                    }
                }
                #expect(throws: StorageError.self) {
                    try store.write { () throws(StorageError) in
                        try store.journalAccepted(makeRequest("lost"), clientID: nil, prediction: prediction, at: 0)
                        throw StorageError.corruptRow(table: "test", key: "x", reason: "abort the batch")
                    }
                }
                #expect(try store.counts().requests(.queued) == 100)
                #expect(try store.journalEntry(RequestID("lost")) == nil)
            }
        }
    }

    @Test func aContinuedRequestIsQueuedAgainAndStillUnfinished() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                var scheduler = makeFixedBatchScheduler(batchSize: 1)
                _ = try submit(makeRequest("long"), to: &scheduler, store: store, now: 0)
                let dispatched = scheduler.nextBatch(for: WorkerID("w"), capabilities: testWorker, now: 1)
                let batch = try #require(dispatched)
                try store.markDispatched(batch, at: 1)
                #expect(try store.journalEntry(RequestID("long"))?.status == .running)
                try store.record([.continued(RequestID("long"), tokens: 40)], at: 2)
                #expect(try store.journalEntry(RequestID("long"))?.status == .queued)
                #expect(try store.unfinishedRequests().map(\.id) == [RequestID("long")])
            }
        }
    }

    @Test func reJournallingAnIdMakesItQueuedAgain() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                let request = makeRequest("again")
                try store.journalAccepted(
                    request, clientID: "a", prediction: LengthPrediction(expected: 5, upper: 9), at: 1)
                try store.markFailed(request.id, error: MagnusError(.engineFault, "x"), at: 2)
                #expect(try store.finishedResult(request.id) != nil)
                try store.journalAccepted(
                    request, clientID: "b", prediction: LengthPrediction(expected: 7, upper: 9), at: 3)
                #expect(try store.finishedResult(request.id) == nil)
                let entry = try #require(try store.journalEntry(request.id))
                #expect(entry.status == .queued && entry.clientID == "b" && entry.prediction.expected == 7)
                #expect(try store.unfinishedRequests().map(\.id) == [request.id])
            }
        }
    }

    @Test func aReportMissingAnOutputRequeuesThatRequestWithLineage() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                var scheduler = makeFixedBatchScheduler(batchSize: 2)
                try submit(makeRequest("a"), to: &scheduler, store: store, now: 0)
                try submit(makeRequest("b"), to: &scheduler, store: store, now: 0)
                let batch = try dispatch(&scheduler, to: "w", store: store, now: 1)
                let actions = scheduler.complete(report(for: batch, omitting: ["b"]), now: 2)
                try store.record(actions, at: 2)
                #expect(try store.finishedResult(RequestID("a"))?.status == .done)
                #expect(try store.journalEntry(RequestID("b"))?.status == .queued)
                let requeued = try #require(
                    actions.lazy.compactMap { if case .requeued(let id, _) = $0 { id } else { nil } }.first)
                let lineage = try inspect(
                    directory, "SELECT parent_id, outcome FROM batches WHERE id = ?",
                    [.integer(Int64(requeued.rawValue))])
                #expect(lineage == [[.integer(Int64(batch.id.rawValue)), .null]])
            }
        }
    }

    @Test func anOutOfMemoryBatchIsRecordedWithItsStepItsSplitAndTheFinalFailure() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                var scheduler = makeFixedBatchScheduler(batchSize: 2)
                try submit(makeRequest("x", generation: 10), to: &scheduler, store: store, now: 0)
                try submit(makeRequest("y", generation: 20), to: &scheduler, store: store, now: 0)
                let batch = try dispatch(&scheduler, to: "w", store: store, now: 1)
                let reason = BatchFailure.outOfMemory(step: 7)
                let split = scheduler.failed(batch.id, reason: reason)
                try store.recordFailure(of: batch.id, reason: reason, actions: split, at: 2)
                guard case .split(_, let children)? = split.first else {
                    Issue.record("expected a split, got \(split)")
                    return
                }
                let rows = try inspect(directory, "SELECT id, parent_id, outcome, oom_step FROM batches ORDER BY id")
                #expect(rows.count == 3)
                #expect(rows[0] == [.integer(Int64(batch.id.rawValue)), .null, "oom", 7])
                #expect(
                    rows[1...].map { $0[1] } == [
                        .integer(Int64(batch.id.rawValue)), .integer(Int64(batch.id.rawValue)),
                    ])
                #expect(Set(rows[1...].map { $0[0] }) == Set(children.map { .integer(Int64($0.rawValue)) }))
                #expect(try store.counts().requests(.queued) == 2)

                // One half runs out of memory alone: the request fails for good.
                let half = try dispatch(&scheduler, to: "w", store: store, now: 3)
                let final = scheduler.failed(half.id, reason: reason)
                try store.recordFailure(of: half.id, reason: reason, actions: final, at: 4)
                let failed = try #require(try store.finishedResult(half.requests[0].id))
                #expect(failed.status == .failed && failed.error?.code == .outOfMemory)
            }
        }
    }

    @Test func theFilesAsAKilledProcessLeavesThemRecoverEveryCommittedAccept() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/killed", withIntermediateDirectories: true)
            try withStore(in: directory) { (store) throws in
                var scheduler = makeFixedBatchScheduler(batchSize: 4)
                try store.write { () throws(StorageError) in
                    for i in 0..<50 {
                        let request = makeRequest("k\(i)", arrival: Double(i))
                        try store.journalAccepted(
                            request, clientID: nil, prediction: LengthPrediction(expected: 30, upper: 60), at: Double(i)
                        )
                    }
                }
                for i in 0..<8 { _ = scheduler.submit(makeRequest("k\(i)", arrival: Double(i))) }
                let batch = try dispatch(&scheduler, to: "w", store: store, now: 60)
                try store.record(scheduler.complete(report(for: batch), now: 61), at: 61)
                _ = try dispatch(&scheduler, to: "w", store: store, now: 62)
                // kill -9 now: the database and its write-ahead log stay as they are, never
                // checkpointed or closed. Copy them (the shared-memory index is rebuilt).
                for suffix in ["", "-wal"] {
                    try FileManager.default.copyItem(
                        atPath: directory + "/log.sqlite" + suffix, toPath: directory + "/killed/log.sqlite" + suffix)
                }
            }
            try withStore(in: directory + "/killed") { (store) throws in
                #expect(store.recovery.interruptedRequests == 4 && store.recovery.lostBatches == 1)
                let unfinished = try store.unfinishedRequests().map(\.id.rawValue)
                #expect(unfinished == (4..<50).map { "k\($0)" })
                #expect(try (0..<4).allSatisfy { try store.finishedResult(RequestID("k\($0)"))?.status == .done })
            }
        }
    }

    @Test func aDurableAcceptIsVisibleToAnotherConnectionAsSoonAsItReturns() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                try store.journalAccepted(
                    makeRequest("seen"), clientID: nil, prediction: LengthPrediction(expected: 1, upper: 1), at: 0)
                // Another process would see the same committed row.
                #expect(try inspect(directory, "SELECT id, status FROM requests") == [["seen", "queued"]])
            }
        }
    }
}
