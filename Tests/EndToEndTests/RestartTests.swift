import Foundation
import CoordinatorShell
import ServiceSupport
import WorkerShell
import Client
import Shared
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// End to end with the log store: kill -9 and restart with pending and finished requests,
/// and retraining in the background. Part of the serialized end-to-end suite.
extension ClusterTests {
    /// Every submitted request has exactly one final answer, a result of the right length.
    private func expectOneResultEach(_ run: ClientRun, _ submits: [SubmitMessage], _ cluster: Cluster) {
        #expect(run.unanswered.isEmpty, "\(run.unanswered.count) unanswered, e.g. \(run.unanswered.prefix(3))\n\(cluster.logs())")
        #expect(run.duplicates.isEmpty, "answered twice: \(run.duplicates.keys.prefix(5))")
        #expect(run.strays.isEmpty && run.protocolErrors.isEmpty)
        let byID = Dictionary(uniqueKeysWithValues: submits.map { ($0.id, $0) })
        for (id, answer) in run.answers {
            guard case .result(let result) = answer else {
                Issue.record("\(id): \(answer)")
                continue
            }
            #expect(result.generatedTokens == min(byID[id]!.simulatedOutputTokens!, byID[id]!.maxNewTokens!))
        }
    }

    /// The newest status snapshot, waiting up to `timeout` seconds for one.
    private func snapshot(_ cluster: Cluster, timeout: Double = 5) throws -> StatusSnapshot? {
        let status = try StatusSubscriber(endpoint: cluster.statusEndpoint, topics: [.snapshot])
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if case .snapshot(let snapshot) = try status.receive(timeout: 0.2) { return snapshot }
        }
        return nil
    }

    @Test(.timeLimit(.minutes(1)))
    func acknowledgedRequestsSurviveKillNineAndAreAnsweredExactlyOnce() throws {
        // No workers: every acknowledged request is still queued when the coordinator dies.
        let cluster = try Cluster(workers: 0, timeScale: 400)
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let submits = Workload.requests(300, prefix: "durable", seed: 21)
        for submit in submits { try client.submit(submit) }
        var acknowledged = Set<RequestID>()
        while acknowledged.count < submits.count, let reply = try client.receive(timeout: 5) {
            if case .accepted(let accepted) = reply { acknowledged.insert(accepted.id) }
        }
        try #require(acknowledged.count == submits.count, "\(acknowledged.count) acknowledged\n\(cluster.logs())")

        cluster.signalCoordinator(SIGKILL)
        _ = Cluster.waitForExit(try #require(cluster.coordinator), timeout: 5)
        try cluster.startCoordinator()
        try cluster.startWorker("w0")
        try cluster.startWorker("w1")
        try cluster.waitForWorkers(2)

        // The client resubmits the same ids: a request still pending is acknowledged again and
        // answered once; one that finished in the meantime gets its stored result.
        let run = try client.run(submits, timeout: 30)
        expectOneResultEach(run, submits, cluster)
        // Nothing ran twice: the new run completed each recovered request once.
        let completed = try #require(try snapshot(cluster)).completed
        #expect(completed == submits.count, "\(completed) completions for \(submits.count) recovered requests")
        #expect(cluster.coordinatorLog().contains("300 unfinished requests"))
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func killNineWhileBatchesRunLosesNothingAndRepeatsNoAnswer() throws {
        // Generations of at least 40 steps at 20× real time: batches are running when it dies.
        let cluster = try Cluster(workers: 3, timeScale: 20)
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let submits = Workload.requests(150, prefix: "midrun", seed: 23, maxInputWords: 60, minOutput: 40)
        for submit in submits { try client.submit(submit) }
        var before = ClientRun()
        let wanted = Set(submits.map(\.id))
        let deadline = Date().addingTimeInterval(20)
        while before.results.count < 20 && Date() < deadline, let reply = try client.receive(timeout: 1) {
            before.record(reply, wanted: wanted)
        }
        try #require(before.accepted == submits.count && before.results.count >= 20, "\(cluster.logs())")
        try #require(before.answers.count < submits.count, "everything finished before the kill")

        cluster.signalCoordinator(SIGKILL)
        _ = Cluster.waitForExit(try #require(cluster.coordinator), timeout: 5)
        // Answers the dead coordinator sent before it died still count as given before.
        while let reply = try client.receive(timeout: 0.3) { before.record(reply, wanted: wanted) }
        try #require(before.duplicates.isEmpty)
        try cluster.startCoordinator()
        try cluster.waitForWorkers(3)
        let after = try client.run(submits, timeout: 40)
        expectOneResultEach(after, submits, cluster)
        // Answers given before the kill are given again unchanged, not computed again.
        for (id, answer) in before.answers {
            guard case .result(let original) = answer, case .result(let again) = after.answers[id] else { continue }
            #expect(again.batchID == original.batchID && again.worker == original.worker && again.text == original.text)
        }
        let completed = try #require(try snapshot(cluster)).completed
        #expect(completed + before.results.count <= submits.count, "\(completed) completions after the restart")
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func aFinishedIDResubmittedAfterARestartGetsTheStoredResult() throws {
        let cluster = try Cluster(workers: 1, timeScale: 400)
        defer { cluster.stop() }
        let submits = Workload.requests(40, prefix: "stored", seed: 22)
        let first = try MagnusClient(endpoint: cluster.clientEndpoint).run(submits, timeout: 20)
        expectOneResultEach(first, submits, cluster)

        cluster.signalCoordinator(SIGKILL)
        _ = Cluster.waitForExit(try #require(cluster.coordinator), timeout: 5)
        try cluster.startCoordinator()
        try cluster.waitForWorkers(1)

        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let again = try client.run(submits, timeout: 10)
        #expect(again.accepted == 0, "a finished id was accepted again")
        #expect(again.answers.count == submits.count && again.duplicates.isEmpty)
        for (id, answer) in again.answers {
            guard case .result(let stored) = answer, case .result(let original) = first.answers[id] else {
                Issue.record("\(id): \(answer)")
                continue
            }
            #expect(stored.text == original.text && stored.generatedTokens == original.generatedTokens)
            #expect(stored.worker == original.worker && stored.batchID == original.batchID)
            #expect(stored.predictedTokens == original.predictedTokens && stored.inputTokens == original.inputTokens)
            #expect(abs(stored.responseMilliseconds - original.responseMilliseconds) < 1)
        }
        // Different content under a finished id is still a conflict.
        var conflicting = submits[0]
        conflicting.input += " changed"
        try client.submit(conflicting)
        guard case .error(let conflict) = try client.receive(timeout: 5) else {
            Issue.record("no reply to a conflicting resubmit")
            return
        }
        #expect(conflict.code == .duplicateID)
        #expect(try #require(try snapshot(cluster)).completed == 0, "a stored answer was computed again")
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func retrainingReplacesThePredictorAndARestartKeepsIt() throws {
        // Outputs four times as long as the input, far from the prior's G' = L: a forest
        // trained on the logged requests must win on the held-out ones.
        let learning = [
            "--predictor-interval", "1", "--estimator-interval", "1", "--min-holdout-rows", "10", "--trees", "20",
        ]
        let cluster = try Cluster(workers: 2, timeScale: 1000, coordinatorArguments: learning)
        defer { cluster.stop() }
        let status = try StatusSubscriber(endpoint: cluster.statusEndpoint, topics: [.event])
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        func requests(_ count: Int, prefix: String, seed: UInt64) -> [SubmitMessage] {
            Workload.requests(count, prefix: prefix, seed: seed, maxInputWords: 80).map { submit in
                var submit = submit
                submit.simulatedOutputTokens = 4 * submit.input.split(separator: " ").count + 40
                return submit
            }
        }
        let probe = requests(1, prefix: "probe", seed: 99)[0]
        func predicted(_ submit: SubmitMessage, id: String) throws -> Int? {
            var submit = submit
            submit.id = RequestID(id)
            let run = try client.run([submit], timeout: 10)
            guard case .result(let result) = run.answers[submit.id] else { return nil }
            return result.predictedTokens
        }
        let before = try #require(try predicted(probe, id: "probe-before"))

        var accepted: StatusEvent?
        var estimator: StatusEvent?
        var round = 0
        let deadline = Date().addingTimeInterval(30)
        while (accepted == nil || estimator == nil) && Date() < deadline {
            let batch = requests(100, prefix: "learn\(round)", seed: UInt64(100 + round))
            expectOneResultEach(try client.run(batch, timeout: 15), batch, cluster)
            round += 1
            let until = Date().addingTimeInterval(1.5)
            while Date() < until, let message = try status.receive(timeout: 0.1) {
                guard case .event(let event) = message, event.kind == .retrain else { continue }
                if event.model == "predictor", event.accepted == true { accepted = event }
                if event.model == "estimator" { estimator = event }
            }
        }
        let event = try #require(accepted, "no accepted predictor retrain event\n\(cluster.logs())")
        let candidateError = try #require(event.validationError)
        let baselineError = try #require(event.baselineError)
        #expect(candidateError <= baselineError)
        #expect(event.version ?? 0 >= 1)
        #expect(estimator != nil, "no estimator retrain event")

        // The scheduler now predicts with the new forest: closer to the truth than the prior.
        let truth = probe.simulatedOutputTokens!
        let after = try #require(try predicted(probe, id: "probe-after"))
        #expect(abs(after - truth) < abs(before - truth), "prior \(before), retrained \(after), truth \(truth)")

        // A restart loads the stored version instead of starting from the prior again.
        cluster.signalCoordinator(SIGTERM)
        #expect(Cluster.waitForExit(try #require(cluster.coordinator), timeout: 15) == 0)
        try cluster.startCoordinator(extra: ["--no-retraining"])
        try cluster.waitForWorkers(2)
        let restarted = try #require(try predicted(probe, id: "probe-restarted"))
        #expect(abs(restarted - truth) < abs(before - truth), "after the restart: \(restarted)")
        #expect(cluster.coordinatorLog().contains("predictor: stored version"))
        cluster.removeFiles()
    }

    /// Reads replies until every id in `wanted` has a final answer or `timeout` seconds pass.
    private func collect(_ client: MagnusClient, _ wanted: Set<RequestID>, timeout: Double, into run: inout ClientRun) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Set(run.answers.keys).isSuperset(of: wanted) == false && Date() < deadline {
            guard let reply = try client.receive(timeout: 0.2) else { continue }
            run.record(reply, wanted: wanted)
        }
        // Anything arriving shortly after (a duplicate would) is counted too.
        while let reply = try client.receive(timeout: 0.3) { run.record(reply, wanted: wanted) }
    }

    @Test(.timeLimit(.minutes(1)))
    func recoveredRequestsArePushedToTheirClientWithoutResubmission() throws {
        // No workers: every acknowledged request is still queued when the coordinator dies.
        let cluster = try Cluster(workers: 0, timeScale: 400)
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint, identity: "push-client")
        let before = try #require(try client.ping(timeout: 5)?.incarnation, "a pong without incarnation")
        let submits = Workload.requests(60, prefix: "push", seed: 31)
        for submit in submits { try client.submit(submit) }
        var acknowledged = Set<RequestID>()
        var detector = RestartDetector()
        while acknowledged.count < submits.count, let reply = try client.receive(timeout: 5) {
            _ = detector.observe(reply)
            if case .accepted(let accepted) = reply {
                #expect(accepted.incarnation == before)
                acknowledged.insert(accepted.id)
            }
        }
        try #require(acknowledged.count == submits.count, "\(acknowledged.count) acknowledged\n\(cluster.logs())")

        cluster.signalCoordinator(SIGKILL)
        _ = Cluster.waitForExit(try #require(cluster.coordinator), timeout: 5)
        try cluster.startCoordinator()
        try cluster.startWorker("w0")
        try cluster.waitForWorkers(1)

        // The client only listens: the journal remembered its identity, the answers come to it.
        var run = ClientRun()
        var restarted = false
        let wanted = Set(submits.map(\.id))
        let deadline = Date().addingTimeInterval(30)
        while run.answers.count < submits.count && Date() < deadline {
            guard let reply = try client.receive(timeout: 0.2) else { continue }
            if detector.observe(reply) { restarted = true }
            run.record(reply, wanted: wanted)
        }
        try collect(client, wanted, timeout: 0, into: &run)
        expectOneResultEach(run, submits, cluster)
        #expect(run.accepted == 0, "nothing was resubmitted")
        #expect(restarted && detector.incarnation != before, "the restart was not noticed from the incarnation")
        #expect(cluster.coordinatorLog().contains("(60 answer their submitting client's identity)"))
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func answersForAClientThatLeftAreHeldCountedAndDeliveredWhenItReturns() throws {
        let cluster = try Cluster(workers: 0, timeScale: 400)
        defer { cluster.stop() }
        let submits = Workload.requests(30, prefix: "held", seed: 32)
        let wanted = Set(submits.map(\.id))
        do {
            let leaving = try MagnusClient(endpoint: cluster.clientEndpoint, identity: "held-client")
            for submit in submits { try leaving.submit(submit) }
            var acknowledged = 0
            while acknowledged < submits.count, let reply = try leaving.receive(timeout: 5) {
                if case .accepted = reply { acknowledged += 1 }
            }
            try #require(acknowledged == submits.count, "\(cluster.logs())")
            leaving.close()
        }
        // The answers are computed while nobody with that identity is connected.
        try cluster.startWorker("w0")
        try cluster.waitForWorkers(1)
        let status = try cluster.liveStatus()
        var delivery: DeliveryStatus?
        let deadline = Date().addingTimeInterval(20)
        while (delivery?.held ?? 0) < submits.count && Date() < deadline {
            if case .snapshot(let snapshot) = try status.receive(timeout: 0.2) { delivery = snapshot.delivery }
        }
        let held = try #require(delivery, "no delivery counts in the snapshot\n\(cluster.logs())")
        #expect(held.held == submits.count && held.deferred >= submits.count && held.droppedAnswers == 0)
        #expect(cluster.coordinatorLog().contains("could not be sent at once"))
        #expect(!cluster.coordinatorLog().contains("dropped a result reply"), "one line per reply")

        // It comes back under the same identity and asks nothing: the held answers come, once each.
        let back = try MagnusClient(endpoint: cluster.clientEndpoint, identity: "held-client")
        var run = ClientRun()
        try collect(back, wanted, timeout: 20, into: &run)
        expectOneResultEach(run, submits, cluster)
        var after: DeliveryStatus?
        let until = Date().addingTimeInterval(5)
        while (after?.redelivered ?? 0) < submits.count && Date() < until {
            if case .snapshot(let snapshot) = try status.receive(timeout: 0.2) { after = snapshot.delivery }
        }
        #expect(after?.held == 0 && after?.redelivered == submits.count, "\(String(describing: after))")
        cluster.removeFiles()
    }
}
