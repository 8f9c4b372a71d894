import Coordinator
import MagnusTestSupport
import Foundation
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared
import Storage
import Testing

/// The retraining thread against a real log store, with intervals of a fraction of a second.
@Suite("Retraining loop")
struct RetrainingLoopServiceTests {
    static let worker = WorkerCapabilities(
        gpu: "test", model: "test", memoryBytes: 1 << 40, kvBudgetBytes: 1 << 30, kvBytesPerToken: 1)

    /// Serves `count` requests through a scheduler with the prior and logs them all: their
    /// outputs are four times the input words plus 40, far from the prior's G' = L.
    static func logTraffic(_ count: Int, store: LogStore, scheduler: inout Scheduler) throws {
        let words = ["model", "batch", "token", "memory", "queue", "cache"]
        var random = SplitMix64(seed: 5)
        for index in 0..<count {
            let length = 1 + Int(random.next() % 60)
            let input = (0..<length).map { _ in words[Int(random.next() % UInt64(words.count))] }.joined(separator: " ")
            let request = Request(
                id: RequestID("t\(index)"), application: index % 2 == 0 ? "gec" : "detox", instruction: "Rewrite:",
                input: input, inputTokens: length + 3, maxNewTokens: 1024, arrival: Double(index) * 0.01,
                referenceOutputTokens: 4 * length + 40)
            for case .accepted(_, let prediction) in scheduler.submit(request) {
                try store.journalAccepted(
                    request, clientID: "c", fingerprint: ContentFingerprint(of: request).value, prediction: prediction,
                    at: request.arrival)
            }
        }
        var clock = Double(count) * 0.01
        while let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: worker, now: clock) {
            try store.markDispatched(batch, at: clock)
            clock += 1
            let outputs = batch.members.map {
                RequestOutput(id: $0.request.id, text: "x", generatedTokens: $0.request.referenceOutputTokens!)
            }
            let report = BatchReport(batchID: batch.id, worker: WorkerID("w"), duration: 3 + 0.01 * Double(batch.members.count), outputs: outputs)
            try store.record(scheduler.complete(report, now: clock), at: clock)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anAcceptedCandidateIsPostedAndChangesTheSchedulersPredictions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("magnus-learning-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("log.sqlite").path

        var configuration = CoordinatorConfiguration()
        configuration.kvTokenCapacity = 1 << 20
        configuration.forestTrees = 10
        configuration.policy = .vanilla(batchSize: 8)
        configuration.storage.logPath = path
        configuration.storage.retrainingPolicy.predictorInterval = 0.2
        configuration.storage.retrainingPolicy.estimatorInterval = 0.2
        configuration.storage.retrainingPolicy.minimumHoldoutRows = 10
        configuration.storage.retrainingPolicy.estimatorErrorSeconds = 0.1
        let settings = try LearningSettings(configuration)
        let clock = MonotonicClock()
        let epoch = Date().timeIntervalSince1970
        let store = try LogStore(path: path, epoch: epoch, options: LogStoreOptions(synchronous: .normal))
        defer { try? store.close() }
        var scheduler = try PredictorBootstrap.scheduler(configuration, predictor: LengthRatioPredictor())
        try Self.logTraffic(300, store: store, scheduler: &scheduler)

        let loop = RetrainingLoop(
            path: path, epoch: epoch, run: store.run, options: LogStoreOptions(synchronous: .normal), settings: settings,
            storage: configuration.storage, initial: (nil, settings.priorEstimator), clock: clock,
            log: ServiceLog(component: "test", minimum: .warning))
        loop.start()
        var updates: [ModelUpdate] = []
        let deadline = Date().addingTimeInterval(30)
        while !(updates.contains { $0.record.kind == .predictor } && updates.contains { $0.record.kind == .estimator })
            && Date() < deadline
        {
            updates += loop.mailbox.drain()
            usleep(20_000)
        }
        loop.stop()
        let predictor = try #require(updates.first { $0.record.kind == .predictor })
        #expect(predictor.record.status == .accepted && predictor.predictor != nil)
        #expect(try #require(predictor.record.validationError) < (predictor.record.baselineError ?? 0))
        #expect(try store.activeRecord(.predictor)?.version == predictor.record.version)
        #expect(updates.contains { $0.record.kind == .estimator }, "no estimator candidate")
        #expect(loop.statistics.candidates >= 2)

        // Swapped into a runtime: an event, and new predictions from the forest.
        var runtime = CoordinatorRuntime(configuration: configuration, scheduler: scheduler)
        let events = runtime.apply(predictor, now: 5).compactMap { output -> StatusEvent? in
            if case .status(.event(let event)) = output { return event }
            return nil
        }
        #expect(events.map(\.kind) == [.retrain] && events.first?.accepted == true)
        let probe = Request(
            id: RequestID("probe"), application: "gec", instruction: "Rewrite:", input: "model batch token memory queue",
            inputTokens: 8, maxNewTokens: 1024, arrival: 5)
        let prior = LengthRatioPredictor().predict(probe).expected
        let learned = runtime.scheduler.predictor.predict(probe).expected
        #expect(abs(learned - 60) < abs(prior - 60), "prior \(prior), learned \(learned), truth 60")
    }
}
