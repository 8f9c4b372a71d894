import Coordinator
import MagnusTestSupport
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared
import Testing

@testable import Storage

/// The runtime's side of durability: journal records, recovery after a restart, restored
/// answers, withdrawn accepts, and model swaps from the retraining thread.
@Suite("Coordinator runtime with a journal")
struct JournalRuntimeTests {
    static func journaling(_ configuration: inout CoordinatorConfiguration) {
        configuration.storage.logPath = "journal.sqlite"
    }

    static func records(_ step: RuntimeHarness.Step) -> [JournalRecord] {
        step.outputs.compactMap { if case .journal(let record) = $0 { record } else { nil } }
    }

    /// The request the harness's `submit(id, inputTokens:, output:)` builds, as the journal keeps it.
    static func request(_ id: String, inputTokens: Int = 10, output: Int = 5, arrival: Double = -30) -> Request {
        Request(
            id: RequestID(id), application: "app", instruction: "Do:", input: "input of \(id)", inputTokens: inputTokens,
            maxNewTokens: 100, arrival: arrival, referenceOutputTokens: output)
    }

    @Test func everyChangeIsJournalledOnlyWithALogPath() throws {
        var plain = RuntimeHarness()
        #expect(Self.records(plain.submit("a")).isEmpty)

        var h = RuntimeHarness(Self.journaling)
        let submitted = h.submit("a", inputTokens: 12, output: 7)
        guard case .accepted(let request, let client, let fingerprint, let prediction, _) = try #require(Self.records(submitted).first)
        else {
            Issue.record("no accept record: \(submitted.outputs)")
            return
        }
        #expect(request.id == RequestID("a") && client.client.description == "client-1")
        #expect(fingerprint == ContentFingerprint(of: request), "the recomputed fingerprint must match the submit's")
        #expect(prediction.expected == submitted.outputs.compactMap { output -> Int? in
            if case .client(_, .accepted(let message)) = output { return message.predictedTokens }
            return nil
        }.first)

        let joined = h.join("w1")
        #expect(Self.records(joined).contains { if case .dispatched = $0 { true } else { false } })
        let batch = try #require(joined.batches.first).batch
        let done = h.fromWorker("w1", RuntimeHarness.report(batch))
        guard case .outcome(let actions, _) = try #require(Self.records(done).first) else {
            Issue.record("no outcome record")
            return
        }
        #expect(actions.contains { if case .completed = $0 { true } else { false } })

        _ = h.submit("b")
        #expect(Self.records(h.fromClient(.cancel(CancelMessage(id: RequestID("b"))))).contains {
            if case .cancelled(let id, _) = $0 { id == RequestID("b") } else { false }
        })
    }

    @Test func recoveredRequestsKeepTheirIDsAndAreReAcknowledged() throws {
        var h = RuntimeHarness(Self.journaling)
        let recovered = h.runtime.recover([Self.request("r1"), Self.request("r2", output: 9)], now: 0)
        #expect(recovered.contains { if case .log(.info, let text) = $0 { text.contains("2 unfinished") } else { false } })
        #expect(h.runtime.pendingCount == 2 && h.runtime.scheduler.unfinishedRequestCount == 2)

        // The client resubmits: same content, so acknowledged again and attached.
        let reack = h.submit("r1")
        guard case .accepted(let message) = reack.replies.first?.reply else {
            Issue.record("not re-acknowledged: \(reack.outputs)")
            return
        }
        #expect(message.id == RequestID("r1"))
        #expect(Self.records(reack).isEmpty, "a re-acknowledgement journals nothing")
        #expect(h.submit("r1", inputTokens: 11).errors.first?.code == .duplicateID)

        // Both run; only the attached one has somebody to answer.
        let batch = try #require(h.join("w1").batches.first).batch
        #expect(Set(batch.requests.map(\.id)) == [RequestID("r1"), RequestID("r2")])
        h.now = 1
        let done = h.fromWorker("w1", RuntimeHarness.report(batch))
        let answers = done.outputs.compactMap { output -> (envelope: ClientEnvelope, result: ResultMessage)? in
            if case .client(let envelope, .result(let result)) = output { return (envelope, result) }
            return nil
        }
        #expect(answers.map(\.result.id) == [RequestID("r1")])
        #expect(answers.first?.envelope.client == RoutingID(RuntimeHarness.client))
        // Both finished: the journal has both outcomes.
        let finishedIDs = done.outputs.flatMap { output -> [RequestID] in
            guard case .journal(.outcome(let actions, _)) = output else { return [] }
            return actions.compactMap { if case .completed(let completed) = $0 { completed.request.id } else { nil } }
        }
        #expect(Set(finishedIDs) == [RequestID("r1"), RequestID("r2")])
        // Time waited before the restart counts: the arrival was 30 s before this run began.
        #expect(answers.allSatisfy { $0.result.responseMilliseconds >= 31_000 })
        // The unattached one is answered from the finished answers when its client comes back.
        #expect(h.submit("r2", output: 9).results.first?.generatedTokens == 9)
    }

    @Test func aRecoveredRequestIsAnsweredToTheIdentityThatSubmittedIt() throws {
        var h = RuntimeHarness(Self.journaling)
        let owner = ClientEnvelope(client: RoutingID("load-7"), delimiters: 1)
        let recovered = h.runtime.recover(
            [
                RecoveredRequest(request: Self.request("p1"), envelope: owner),
                RecoveredRequest(request: Self.request("p2"), envelope: nil),
            ], now: 0)
        #expect(recovered.contains { if case .log(.info, let text) = $0 { text.contains("(1 answer their submitting client") } else { false } })
        // Nobody resubmits: the answer still goes to the journalled identity, behind its delimiter.
        let batch = try #require(h.join("w1").batches.first).batch
        h.now = 1
        let done = h.fromWorker("w1", RuntimeHarness.report(batch))
        let answers = done.outputs.compactMap { output -> (ClientEnvelope, RequestID)? in
            if case .client(let envelope, .result(let result)) = output { return (envelope, result.id) }
            return nil
        }
        #expect(answers.count == 1)
        #expect(answers.first?.0 == owner && answers.first?.1 == RequestID("p1"))
        // A resubmission after the answer gets the stored answer once, from the finished answers.
        let again = h.submit("p1", client: Array("load-7".utf8))
        #expect(again.results.map(\.id) == [RequestID("p1")] && again.replies.count == 1)
    }

    @Test func anIdentityZeroMQMadeUpIsNotAnsweredAfterARestart() throws {
        var h = RuntimeHarness(Self.journaling)
        let madeUp = ClientEnvelope(client: RoutingID([0, 0x80, 0, 0, 0x29]))
        _ = h.runtime.recover([RecoveredRequest(request: Self.request("z1"), envelope: madeUp)], now: 0)
        let batch = try #require(h.join("w1").batches.first).batch
        #expect(h.fromWorker("w1", RuntimeHarness.report(batch)).replies.isEmpty, "another client may hold that id now")
        #expect(h.submit("z1").results.map(\.id) == [RequestID("z1")])
    }

    @Test func aResubmissionOfARecoveredIDMovesItsAnswer() throws {
        var h = RuntimeHarness(Self.journaling)
        _ = h.runtime.recover([RecoveredRequest(request: Self.request("q1"), envelope: ClientEnvelope(client: RoutingID("old")))], now: 0)
        // The client comes back under another identity and resubmits: the answer follows it, once.
        let reack = h.submit("q1")
        #expect(reack.replies.count == 1)
        let batch = try #require(h.join("w1").batches.first).batch
        let done = h.fromWorker("w1", RuntimeHarness.report(batch))
        #expect(done.replies.map(\.client) == [RuntimeHarness.client])
    }

    @Test func restoredAnswersAreGivenAgainWithoutRunning() throws {
        var h = RuntimeHarness(Self.journaling)
        let reply = CoordinatorReply.result(
            ResultMessage(
                id: RequestID("old"), text: "stored", generatedTokens: 5, inputTokens: 10, predictedTokens: 16,
                worker: WorkerID("w9"), batchID: BatchID(3), queueMilliseconds: 1, responseMilliseconds: 2))
        h.runtime.restore([RestoredAnswer(id: RequestID("old"), fingerprint: ContentFingerprint(of: Self.request("old")), reply: reply)])
        let again = h.submit("old")
        #expect(again.replies.map(\.reply) == [reply])
        #expect(h.runtime.scheduler.unfinishedRequestCount == 0)
        #expect(h.submit("old", inputTokens: 11).errors.first?.code == .duplicateID)
    }

    @Test func anAcceptTheJournalLostIsWithdrawn() throws {
        var h = RuntimeHarness(Self.journaling)
        _ = h.submit("lost")
        let (withdrawn, outputs) = h.runtime.journalFailed([RequestID("lost")], reason: "disk full", now: 1)
        #expect(withdrawn == [RequestID("lost")])
        #expect(RuntimeHarness.Step(outputs: outputs).errors.first?.code == .internalError)
        #expect(h.runtime.pendingCount == 0 && h.runtime.scheduler.unfinishedRequestCount == 0)
    }

    @Test func aRetrainedPredictorIsSwappedInAndAnnounced() throws {
        var h = RuntimeHarness(Self.journaling)
        guard case .accepted(let before) = h.submit("p1", inputTokens: 40).replies.first?.reply else {
            Issue.record("not accepted")
            return
        }
        #expect(before.predictedTokens == 40, "the prior predicts G' = L")
        let record = ModelRecord(
            kind: .predictor, version: 2, trainedAt: 1, source: "retraining", trainingRows: 300, addedRows: 20,
            holdoutRows: 40, validationError: 3.5, baselineError: 12, status: .accepted, isActive: true,
            dataThrough: 160, format: 1, byteCount: 1000)
        let outputs = h.runtime.apply(ModelUpdate(record: record, predictor: ConstantPredictor(tokens: 77), seconds: 0.5), now: 3)
        let event = try #require(RuntimeHarness.Step(outputs: outputs).events.first)
        #expect(event.kind == .retrain && event.model == "predictor" && event.version == 2 && event.accepted == true)
        #expect(event.validationError == 3.5 && event.baselineError == 12)
        guard case .accepted(let after) = h.submit("p2", inputTokens: 40).replies.first?.reply else {
            Issue.record("not accepted")
            return
        }
        #expect(after.predictedTokens == 77)

        // A rejected candidate is announced, and nothing changes.
        var rejected = record
        rejected.version = 3
        rejected.status = .rejected
        rejected.isActive = false
        let announced = RuntimeHarness.Step(outputs: h.runtime.apply(ModelUpdate(record: rejected, seconds: 0.5), now: 4)).events
        #expect(announced.first?.accepted == false && announced.first?.version == 3)
        guard case .accepted(let still) = h.submit("p3", inputTokens: 40).replies.first?.reply else {
            Issue.record("not accepted")
            return
        }
        #expect(still.predictedTokens == 77)
    }
}
