import Coordinator
import CoordinatorShell
import Shared
import Testing

/// What one client may do to another's requests, and what a client may claim about its own.
@Suite struct OwnershipTests {
    @Test func onlyTheSubmittingConnectionMayCancel() throws {
        var h = RuntimeHarness()
        _ = h.submit("mine", client: Array("alice".utf8))
        let stranger = h.fromClient(.cancel(CancelMessage(id: RequestID("mine"))), client: Array("mallory".utf8))
        let reply = try #require(stranger.replies.first)
        #expect(reply.client == Array("mallory".utf8))
        guard case .cancelled(let cancelled) = reply.reply else { Issue.record("no cancelled reply"); return }
        #expect(!cancelled.cancelled && cancelled.reason == "unknown")
        #expect(stranger.replies.count == 1, "the owner must not hear of a stranger's attempt")
        #expect(h.runtime.pendingCount == 1)
        // The owner can.
        let owner = h.fromClient(.cancel(CancelMessage(id: RequestID("mine"))), client: Array("alice".utf8))
        guard case .cancelled(let done) = try #require(owner.replies.first).reply else { Issue.record("no reply"); return }
        #expect(done.cancelled && h.runtime.pendingCount == 0)
    }

    @Test func aDeclaredInputLengthCannotUndercutTheCounter() throws {
        var h = RuntimeHarness { $0.runtime.maxInputTokens = 500 }
        let long = String(repeating: "word ", count: 5_000)
        let claimed = h.fromClient(
            .submit(
                SubmitMessage(
                    id: RequestID("liar"), application: "app", instruction: "Do:", input: long, inputTokens: 1,
                    maxNewTokens: 10)))
        #expect(claimed.errors.map(\.code) == [.inputTooLong])
        // A declared length above the count is kept (a real tokenizer may count more).
        let honest = h.fromClient(
            .submit(
                SubmitMessage(
                    id: RequestID("long-tokens"), application: "app", instruction: "Do:", input: "short", inputTokens: 300,
                    maxNewTokens: 10)))
        let accepted = try #require(honest.replies.first)
        guard case .accepted(let message) = accepted.reply else { Issue.record("not accepted: \(accepted.reply)"); return }
        #expect(message.inputTokens == 300)
    }
}
