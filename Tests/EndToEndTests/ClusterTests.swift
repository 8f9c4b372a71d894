import Foundation
import CoordinatorShell
import ServiceSupport
import WorkerShell
import Client
import Shared
import Testing
import Transport

#if canImport(Glibc)
import Glibc
#endif

/// End-to-end: the real executables over ZeroMQ, driven by the Swift client.
@Suite("End to end", .serialized)
struct ClusterTests {
    /// Checks that every request got exactly one answer, a result with its own id, and the
    /// output length the simulated engine was asked for.
    private func expectExactlyOnce(_ run: ClientRun, _ submits: [SubmitMessage], workers: Set<String>, _ cluster: Cluster) {
        #expect(run.unanswered.isEmpty, "\(run.unanswered.count) unanswered, e.g. \(run.unanswered.prefix(3))\n\(cluster.logs())")
        #expect(run.duplicates.isEmpty, "answered twice: \(run.duplicates.keys.prefix(5))")
        #expect(run.strays.isEmpty, "answers for unknown ids: \(run.strays.prefix(5))")
        #expect(run.protocolErrors.isEmpty, "protocol errors: \(run.protocolErrors.prefix(3))")
        let byID = Dictionary(uniqueKeysWithValues: submits.map { ($0.id, $0) })
        var errors: [ErrorMessage] = []
        for (id, answer) in run.answers {
            switch answer {
            case .result(let result):
                #expect(result.id == id)
                #expect(result.generatedTokens == min(byID[id]!.simulatedOutputTokens!, byID[id]!.maxNewTokens!))
                #expect(workers.contains(result.worker.rawValue), "unknown worker \(result.worker)")
            case .error(let error): errors.append(error)
            default: Issue.record("unexpected final answer \(answer)")
            }
        }
        #expect(errors.isEmpty, "error answers: \(errors.prefix(3))")
    }

    @Test(.timeLimit(.minutes(1)))
    func eightWorkersAnswerTwoThousandRequestsExactlyOnce() throws {
        let cluster = try Cluster(workers: 8, timeScale: 400)
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let submits = Workload.requests(2000, prefix: "load")
        let run = try client.run(submits, timeout: 45, window: 2000)
        expectExactlyOnce(run, submits, workers: Set((0..<8).map { "w\($0)" }), cluster)
        #expect(run.accepted == submits.count)
        // Work was spread over the cluster.
        let used = Set(run.results.map(\.worker))
        #expect(used.count >= 4, "only \(used.count) workers ran batches")
        // Idempotent resubmission returns the stored answer, not a second run.
        let again = try client.run(Array(submits.prefix(20)), timeout: 10)
        #expect(again.answers.count == 20 && again.accepted == 0)
        for (id, answer) in again.answers { #expect(answer == run.answers[id]) }
        let batches = Set(run.results.map(\.batchID)).count
        let p50 = run.results.map(\.responseMilliseconds).sorted()[run.results.count / 2]
        Console.error(
            "e2e: 2000 requests on 8 workers in \(String(format: "%.2f", run.seconds)) s, \(batches) batches (mean β \(run.results.count / max(1, batches))), response p50 \(Int(p50)) ms"
        )
        cluster.stop()
        #expect(cluster.coordinator?.terminationStatus == 0, "the coordinator did not drain cleanly\n\(cluster.logs())")
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func uncertaintyAwareCoordinatorContinuesCappedRequestsAndJoinsTheirOutputs() throws {
        // magnus-ua starts without calibrated distributions (worst-case batches), calibrates
        // each application online from the first completions, then caps batches: rows that
        // reach a cap come back, continue in later batches, and are answered once, whole.
        let cluster = try Cluster(workers: 4, timeScale: 400, coordinatorArguments: ["--policy", "magnus-ua"])
        defer { cluster.stop() }
        let status = try StatusSubscriber(endpoint: cluster.statusEndpoint)
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let warmUp = Workload.requests(800, prefix: "warm", seed: 3)
        let warmRun = try client.run(warmUp, timeout: 25, window: 800)
        expectExactlyOnce(warmRun, warmUp, workers: Set((0..<4).map { "w\($0)" }), cluster)
        let submits = Workload.requests(800, prefix: "capped", seed: 4)
        let run = try client.run(submits, timeout: 25, window: 800)
        expectExactlyOnce(run, submits, workers: Set((0..<4).map { "w\($0)" }), cluster)
        // The subscription queued the run's events; read on until a snapshot (every 0.2 s) says.
        var continued = 0
        let clock = MonotonicClock()
        while continued == 0 && clock.now < 10 {
            if case .snapshot(let snapshot) = try status.receive(timeout: 0.2) { continued = snapshot.continuationCount ?? 0 }
        }
        #expect(continued > 0, "no request was continued after a capped batch\n\(cluster.coordinatorLog())")
        cluster.stop()
        #expect(cluster.coordinator?.terminationStatus == 0, "the coordinator did not drain cleanly\n\(cluster.logs())")
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func killedWorkerLosesNothingAndAnswersNothingTwice() throws {
        // Every batch decodes at least 40 steps (over a modelled second), a quarter of a second
        // of real time at this scale: a kill right after a dispatch lands mid-batch.
        let cluster = try Cluster(workers: 4, timeScale: 4)
        defer { cluster.stop() }
        let status = try cluster.liveStatus()

        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let submits = Workload.requests(300, prefix: "kill", seed: 7, maxInputWords: 60, minOutput: 40)
        for submit in submits { try client.submit(submit) }

        // Kill w0 right after it receives a batch.
        var killedBatch: BatchID?
        let deadline = Date().addingTimeInterval(20)
        while killedBatch == nil && Date() < deadline {
            guard case .event(let event) = try status.receive(timeout: 0.5) else { continue }
            if event.kind == .dispatch, event.worker?.rawValue == "w0" {
                cluster.signal(worker: "w0", SIGKILL)
                killedBatch = event.batchID
            }
        }
        let batch = try #require(killedBatch, "w0 never got a batch\n\(cluster.logs())")

        // The coordinator notices, requeues, and the others finish everything.
        var run = ClientRun()
        let wanted = Set(submits.map(\.id))
        var sawDown = false
        var sawRequeue = false
        let collectUntil = Date().addingTimeInterval(40)
        while run.answers.count < wanted.count && Date() < collectUntil {
            if let reply = try client.receive(timeout: 0.05) { run.record(reply, wanted: wanted) }
            while let message = try status.receive(timeout: 0) {
                guard case .event(let event) = message else { continue }
                if event.kind == .workerDown, event.worker?.rawValue == "w0" { sawDown = true }
                if event.kind == .requeue { sawRequeue = true }
            }
        }
        // Late duplicates would arrive now.
        while let reply = try client.receive(timeout: 0.5) { run.record(reply, wanted: wanted) }
        run.unanswered = wanted.subtracting(run.answers.keys)
        expectExactlyOnce(run, submits, workers: ["w0", "w1", "w2", "w3"], cluster)
        #expect(sawDown, "no worker_down event for w0")
        #expect(sawRequeue, "no requeue event for \(batch)")
        #expect(!run.results.contains { $0.batchID == batch }, "a result claims the killed batch \(batch)")

        // The worker comes back under the same name and is welcomed again.
        try cluster.startWorker("w0")
        try cluster.waitForWorkers(4)
        let more = Workload.requests(40, prefix: "after", seed: 9)
        let after = try client.run(more, timeout: 20)
        expectExactlyOnce(after, more, workers: ["w0", "w1", "w2", "w3"], cluster)
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func malformedMessagesGetErrorRepliesAndServiceContinues() throws {
        let cluster = try Cluster(workers: 1, timeScale: 1000, coordinatorArguments: ["--max-payload-bytes", "4096"])
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)

        func errorCode(after frames: [[UInt8]]) throws -> ErrorCode? {
            try client.sendRaw(frames)
            guard case .error(let error) = try client.receive(timeout: 5) else { return nil }
            return error.code
        }
        let cases: [(String, [[UInt8]], ErrorCode)] = [
            ("binary garbage", [[0xff, 0x00, 0x13]], .malformedMessage),
            ("not JSON", [Array("hello there".utf8)], .malformedMessage),
            ("a JSON array", [Array("[1,2,3]".utf8)], .malformedMessage),
            ("no version", [Array(#"{"type":"ping"}"#.utf8)], .unsupportedVersion),
            ("version 9", [Array(#"{"v":9,"type":"ping"}"#.utf8)], .unsupportedVersion),
            ("unknown type", [Array(#"{"v":1,"type":"launch_missiles"}"#.utf8)], .unknownType),
            ("worker message on the client socket", [Array(#"{"v":1,"type":"ready"}"#.utf8)], .unknownType),
            ("missing fields", [Array(#"{"v":1,"type":"submit","id":"m1"}"#.utf8)], .malformedMessage),
            ("wrong field type", [Array(#"{"v":1,"type":"cancel","id":42}"#.utf8)], .malformedMessage),
            ("two payload frames", [Array("a".utf8), Array("b".utf8)], .malformedMessage),
            (
                "too large", [Array((#"{"v":1,"type":"ping","nonce":""# + String(repeating: "x", count: 5000) + #""}"#).utf8)],
                .payloadTooLarge
            ),
            (
                "max_new_tokens 0",
                [ClientMessage.submit(SubmitMessage(id: RequestID("m2"), application: "a", instruction: "i", input: "x", maxNewTokens: 0)).payload],
                .invalidRequest
            ),
            (
                "empty id",
                [ClientMessage.submit(SubmitMessage(id: RequestID(""), application: "a", instruction: "i", input: "x")).payload],
                .invalidRequest
            ),
        ]
        for (name, frames, expected) in cases {
            #expect(try errorCode(after: frames) == expected, "\(name)")
        }

        // The worker socket answers garbage too, and strangers are told to say hello.
        let context = try ZMQContext()
        let stranger = try context.socket(.dealer)
        try stranger.setRoutingID("stranger")
        try stranger.connect(cluster.workerEndpoint)
        func workerReply(_ payload: String) throws -> ErrorCode? {
            try stranger.send([Array(payload.utf8)])
            var poller = ZMQPoller()
            poller.add(stranger)
            guard try !poller.poll(timeoutMilliseconds: 5000).isEmpty, let frames = try stranger.receive(dontWait: true),
                case .error(let error) = try CoordinatorDirective.decode(frames.last!)
            else { return nil }
            return error.code
        }
        #expect(try workerReply("garbage") == .malformedMessage)
        #expect(try workerReply(#"{"v":1,"type":"ready"}"#) == .unknownWorker)
        #expect(try workerReply(#"{"v":1,"type":"result","batch_id":1,"duration":1,"outputs":[]}"#) == .unknownWorker)
        #expect(try workerReply(#"{"v":1,"type":"submit"}"#) == .unknownType)
        stranger.close()

        // Idempotency and conflicts on the real service.
        let good = Workload.requests(5, prefix: "ok")
        let run = try client.run(good, timeout: 20)
        expectExactlyOnce(run, good, workers: ["w0"], cluster)
        var conflicting = good[0]
        conflicting.input += " changed"
        try client.submit(conflicting)
        guard case .error(let conflict) = try client.receive(timeout: 5) else {
            Issue.record("no reply to a conflicting resubmit")
            return
        }
        #expect(conflict.code == .duplicateID)

        // Still serving, still counting.
        let pong = try #require(try client.ping(timeout: 5))
        #expect(pong.workers == 1)
        let status = try StatusSubscriber(endpoint: cluster.statusEndpoint, topics: [.snapshot])
        var snapshot: StatusSnapshot?
        for _ in 0..<25 where snapshot == nil {
            if case .snapshot(let received) = try status.receive(timeout: 0.2) { snapshot = received }
        }
        let errors = try #require(snapshot).errors
        #expect(errors["malformed_message", default: 0] >= 6)
        #expect(errors["unknown_worker", default: 0] >= 2)
        #expect(errors["payload_too_large"] == 1)
        #expect(cluster.coordinator?.isRunning == true)
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func sigtermDrainsRunningBatchesAndRefusesNewWork() throws {
        // Real time: the running batch lasts about a second, long enough to submit during the drain.
        let cluster = try Cluster(workers: 1, timeScale: 1)
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let submits = Workload.requests(30, prefix: "drain", seed: 3, maxInputWords: 40)
        for submit in submits { try client.submit(submit) }
        var run = ClientRun()
        let wanted = Set(submits.map(\.id))
        // Wait until everything is accepted and a batch is running.
        while run.accepted < submits.count, let reply = try client.receive(timeout: 5) { run.record(reply, wanted: wanted) }
        try #require(run.accepted == submits.count)
        cluster.signalCoordinator(SIGTERM)
        // A submit racing the signal is refused either way: at once, or as a queued request
        // when the drain begins.
        let late = Workload.requests(1, prefix: "late")[0]
        try client.submit(late)
        var lateAnswer: CoordinatorReply?
        let deadline = Date().addingTimeInterval(20)
        while (lateAnswer == nil || run.answers.count < wanted.count) && Date() < deadline {
            guard let reply = try client.receive(timeout: 0.2) else { continue }
            if reply.requestID == late.id {
                if reply.isFinal { lateAnswer = reply }
            } else { run.record(reply, wanted: wanted) }
        }
        if case .error(let error) = lateAnswer {
            #expect(error.code == .shuttingDown)
        } else {
            Issue.record("late submit got \(String(describing: lateAnswer))")
        }
        // Every accepted request got exactly one final answer: a result if its batch was
        // running, shutting_down if it was still queued.
        #expect(run.answers.count == wanted.count && run.duplicates.isEmpty)
        let results = run.results.count
        let refused = run.answers.values.filter {
            if case .error(let error) = $0 { return error.code == .shuttingDown }
            return false
        }.count
        #expect(results >= 1 && results + refused == wanted.count)
        let coordinator = try #require(cluster.coordinator)
        #expect(Cluster.waitForExit(coordinator, timeout: 15) == 0, "\(cluster.logs())")
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func workersRejoinARestartedCoordinator() throws {
        let cluster = try Cluster(workers: 2, timeScale: 400)
        defer { cluster.stop() }
        let before = Workload.requests(50, prefix: "before", seed: 11)
        expectExactlyOnce(
            try MagnusClient(endpoint: cluster.clientEndpoint).run(before, timeout: 20), before, workers: ["w0", "w1"], cluster)

        // The coordinator dies without a word and comes back on the same endpoints: the
        // workers' next heartbeats get unknown_worker, they say hello again and serve.
        cluster.signalCoordinator(SIGKILL)
        _ = Cluster.waitForExit(try #require(cluster.coordinator), timeout: 5)
        try cluster.startCoordinator()
        try cluster.waitForWorkers(2)
        let after = Workload.requests(50, prefix: "after", seed: 12)
        expectExactlyOnce(
            try MagnusClient(endpoint: cluster.clientEndpoint).run(after, timeout: 20), after, workers: ["w0", "w1"], cluster)
        cluster.removeFiles()
    }
}
