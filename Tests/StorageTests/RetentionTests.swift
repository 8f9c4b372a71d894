import Coordinator
import MagnusTestSupport
import Shared
import Testing

@testable import Storage

@Suite struct RetentionTests {
    /// Two old unfinished requests (one queued, one running on an old batch) and eight
    /// requests finished at t = 100 ... 107, each in its own finished batch.
    func fill(_ store: LogStore) throws {
        var scheduler = makeFixedBatchScheduler(batchSize: 1)
        try submit(makeRequest("old-running", arrival: 0), to: &scheduler, store: store, now: 0)
        _ = try dispatch(&scheduler, to: "slow", store: store, now: 0)
        for i in 0..<8 {
            try submit(makeRequest("f\(i)", arrival: 50), to: &scheduler, store: store, now: 50)
            let batch = try dispatch(&scheduler, to: "w", store: store, now: 60)
            try store.record(scheduler.complete(report(for: batch), now: 100 + Double(i)), at: 100 + Double(i))
        }
        try submit(makeRequest("old-queued", arrival: 1), to: &scheduler, store: store, now: 1)
    }

    @Test func pruningByCountKeepsTheNewestFinishedRowsAndEveryUnfinishedOne() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                try fill(store)
                let report = try store.prune(keepingRows: 3, olderThan: nil, now: 1_000)
                #expect(report == PruneReport(requests: 5, batches: 5))
                let counts = try store.counts()
                #expect(counts.requests(.done) == 3)
                #expect(counts.requests(.queued) == 1 && counts.requests(.running) == 1)
                #expect(counts.batches[nil] == 1, "the running batch stays")
                #expect(try store.finishedResult(RequestID("f7")) != nil)
                #expect(try store.finishedResult(RequestID("f5")) != nil)
                #expect(try store.finishedResult(RequestID("f4")) == nil)
                #expect(Set(try store.unfinishedRequests().map(\.id.rawValue)) == ["old-running", "old-queued"])
            }
        }
    }

    @Test func pruningByAgeNeverDropsUnfinishedWorkHoweverOld() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                try fill(store)
                // Finished before 104 (= 1000 - 896): f0 ... f3.
                #expect(try store.prune(keepingRows: nil, olderThan: 896, now: 1_000).requests == 4)
                #expect(try store.counts().requests(.done) == 4)
                // Everything finished is old now, and nothing may be kept: only unfinished work stays.
                try store.prune(keepingRows: 0, olderThan: 0, now: 1_000_000)
                let counts = try store.counts()
                #expect(counts.requests == [.queued: 1, .running: 1])
                #expect(counts.batches == [nil: 1])
                #expect(try store.unfinishedRequests().count == 2)
            }
        }
    }

    @Test func pruningAfterARestartStillKeepsRecoveredRequests() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in try fill(store) }
            try withStore(in: directory, epoch: 1_700_001_000) { (store) throws in
                try store.prune(keepingRows: 0, olderThan: 0, now: 10_000)
                #expect(try store.unfinishedRequests().map(\.id.rawValue) == ["old-running", "old-queued"])
                #expect(try store.counts().totalBatches == 0, "the lost batch has an outcome and may go")
            }
        }
    }

    @Test func pruningModelsKeepsTheActiveVersion() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                let samples = (1...30).map {
                    BatchTimeSample(
                        features: BatchFeatures(batchSize: $0, maxInput: 10, maxGeneration: 10), seconds: Double($0))
                }
                let first = BootstrappedModel<EstimatorModel, BatchTimeSample>(
                    source: .loggedData, model: EstimatorModel(samples: samples), newTrainingSet: samples,
                    dataThrough: 1)
                try store.save(first, at: 0)
                for version in 2...5 {
                    let candidate = RetrainingCandidate<EstimatorModel, BatchTimeSample>(
                        kind: .estimator, model: EstimatorModel(samples: samples), trainingSet: samples, added: [],
                        candidateError: 2, currentError: 1, holdoutRows: 10, dataThrough: Int64(version),
                        decision: .rejected)
                    try store.save(candidate, at: Double(version))
                }
                #expect(try store.pruneModels(keepingPerKind: 2) == 2)
                #expect(try store.modelHistory(.estimator).map(\.version) == [1, 4, 5])
                #expect(try store.activeRecord(.estimator)?.version == 1)
            }
        }
    }
}
