import Coordinator
import CoordinatorShell
import Shared
import Testing

/// Streaming to clients: a submit with `stream: true` gets `partial` replies with the text
/// continuous workers report in `progress`, each piece once and in order, across preemptions;
/// other clients get none.
@Suite struct StreamingTests {
    static var continuousWorker: WorkerCapabilities {
        var capabilities = RuntimeHarness.capabilities
        capabilities.continuous = ContinuousCapacity(kvTokenSlots: 100_000, blockSize: 16, maxRunning: 8)
        return capabilities
    }

    static let ready = WorkerMessage.ready(ReadyMessage(room: ContinuousRoom(freeTokens: 100_000, freeSequences: 8)))

    /// A continuous worker joins and says how much room it has.
    static func join(_ h: inout RuntimeHarness) -> RuntimeHarness.Step {
        var outputs = h.fromWorker("w0", .hello(HelloMessage(worker: WorkerID("w0"), capabilities: continuousWorker))).outputs
        outputs += h.fromWorker("w0", ready).outputs
        return RuntimeHarness.Step(outputs: outputs)
    }

    static func harness() -> RuntimeHarness {
        RuntimeHarness { $0.policy = .pagedContinuousBatching }
    }

    static func submit(_ id: String, stream: Bool?) -> ClientMessage {
        .submit(
            SubmitMessage(
                id: RequestID(id), application: "app", instruction: "Do:", input: "input of \(id)", inputTokens: 10,
                maxNewTokens: 100, simulatedOutputTokens: 80, stream: stream))
    }

    static func progress(_ batch: BatchID, _ tokens: Int, _ text: String?) -> WorkerMessage {
        .progress(ProgressMessage(rows: [.init(batchID: batch, generatedTokens: tokens, text: text)]))
    }

    static func partials(_ step: RuntimeHarness.Step) -> [PartialMessage] {
        step.replies.compactMap { if case .partial(let partial) = $0.reply { partial } else { nil } }
    }

    @Test func aStreamingClientGetsEachNewPieceOnceWithItsOffset() throws {
        var h = Self.harness()
        _ = h.fromClient(Self.submit("s", stream: true))
        let admission = try #require(Self.join(&h).batches.first?.batch)
        let first = Self.partials(h.fromWorker("w0", Self.progress(admission.batchID, 2, "héllo")))
        #expect(first == [PartialMessage(id: RequestID("s"), text: "héllo", offset: 0, generatedTokens: 2)])
        // Repeated text, and text that does not extend what was sent, add nothing.
        #expect(Self.partials(h.fromWorker("w0", Self.progress(admission.batchID, 2, "héllo"))).isEmpty)
        #expect(Self.partials(h.fromWorker("w0", Self.progress(admission.batchID, 3, "hello"))).isEmpty)
        let second = Self.partials(h.fromWorker("w0", Self.progress(admission.batchID, 4, "héllo wörld")))
        #expect(second.map(\.text) == [" wörld"] && second.map(\.offset) == [6])  // UTF-8 bytes of "héllo"
        // The result ends the stream with the whole text.
        let done = h.fromWorker(
            "w0",
            .result(
                BatchResultMessage(
                    batchID: admission.batchID, duration: 1,
                    outputs: [RequestOutput(id: RequestID("s"), text: "héllo wörld!", generatedTokens: 5)])))
        #expect(done.results.map(\.text) == ["héllo wörld!"])
        #expect(Self.partials(done).isEmpty)
    }

    @Test func clientsThatDidNotAskGetNoPieces() throws {
        var h = Self.harness()
        _ = h.fromClient(Self.submit("quiet", stream: nil))
        _ = h.fromClient(Self.submit("off", stream: false))
        let admissions = Self.join(&h).batches.map(\.batch)
        #expect(admissions.count == 2)
        for admission in admissions {
            #expect(Self.partials(h.fromWorker("w0", Self.progress(admission.batchID, 3, "some text"))).isEmpty)
        }
    }

    @Test func aPreemptedRequestStreamsOnAfterTheTextItHad() throws {
        var h = Self.harness()
        _ = h.fromClient(Self.submit("p", stream: true))
        let first = try #require(Self.join(&h).batches.first?.batch)
        _ = h.fromWorker("w0", Self.progress(first.batchID, 3, "one two three"))
        // Preempted after four tokens: requeued as a continuation and admitted again.
        let requeued = h.fromWorker(
            "w0", .preempted(PreemptedMessage(batchID: first.batchID, text: "one two three four", generatedTokens: 4, duration: 1)))
        let again = try #require((requeued.batches + h.fromWorker("w0", Self.ready).batches).first?.batch)
        #expect(again.requests.first?.continuation == "one two three four")
        // The new admission's text follows the continuation: only what is new is sent.
        let pieces = Self.partials(h.fromWorker("w0", Self.progress(again.batchID, 2, " five six")))
        #expect(pieces.map(\.text) == [" four five six"])
        #expect(pieces.map(\.offset) == ["one two three".utf8.count])
        #expect(pieces.map(\.generatedTokens) == [6])
    }

    @Test func aResubmissionWithStreamingStartsThePiecesOver() throws {
        var h = Self.harness()
        _ = h.fromClient(Self.submit("r", stream: true))
        let admission = try #require(Self.join(&h).batches.first?.batch)
        _ = h.fromWorker("w0", Self.progress(admission.batchID, 2, "ab"))
        // The client reconnects as another connection and submits the same request again.
        _ = h.fromClient(Self.submit("r", stream: true), client: Array("client-2".utf8))
        let step = h.fromWorker("w0", Self.progress(admission.batchID, 3, "abc"))
        #expect(step.replies.map(\.client) == [Array("client-2".utf8)])
        #expect(Self.partials(step) == [PartialMessage(id: RequestID("r"), text: "abc", offset: 0, generatedTokens: 3)])
    }

    @Test func progressTextFarLongerThanItsTokensIsNotStreamed() throws {
        var h = Self.harness()
        _ = h.fromClient(Self.submit("big", stream: true))
        let admission = try #require(Self.join(&h).batches.first?.batch)
        let huge = String(repeating: "x", count: 64 * 2 + 1)
        #expect(Self.partials(h.fromWorker("w0", Self.progress(admission.batchID, 2, huge))).isEmpty)
        #expect(Self.partials(h.fromWorker("w0", Self.progress(admission.batchID, 2, "ok"))).map(\.text) == ["ok"])
    }

    @Test func partialRepliesRoundTripAndAreNeverFinal() throws {
        let partial = CoordinatorReply.partial(PartialMessage(id: RequestID("a"), text: "你好", offset: 3, generatedTokens: 2))
        let decoded = try CoordinatorReply.decode(partial.stamped("inc-1").payload)
        #expect(!decoded.isFinal && decoded.requestID == RequestID("a") && decoded.incarnation == "inc-1")
        guard case .partial(let message) = decoded else { Issue.record("decoded as \(decoded)"); return }
        #expect(message.text == "你好" && message.offset == 3 && message.generatedTokens == 2)
        let submit = try ClientMessage.decode(Self.submit("a", stream: true).payload)
        guard case .submit(let decodedSubmit) = submit else { Issue.record("not a submit"); return }
        #expect(decodedSubmit.stream == true)
    }
}
