import MagnusTestSupport
import Shared
import Testing

@testable import Coordinator
@testable import CoordinatorShell
@testable import Client
@testable import ServiceSupport
@testable import WorkerShell

/// The write-ahead order of client replies.
@Suite struct HeldRepliesTests {
    static let client = ClientEnvelope(client: RoutingID("c"))

    static func accepted(_ id: String) -> CoordinatorReply {
        .accepted(AcceptedMessage(id: RequestID(id), predictedTokens: 1, inputTokens: 1, queuePosition: 1, queueDepth: 1))
    }

    @Test func repliesWaitForTheirBatchAndKeepTheirOrder() {
        var held = HeldReplies()
        var submitted: [[JournalRecord]] = []
        let submit = { (records: [JournalRecord]) -> Int in
            submitted.append(records)
            return submitted.count
        }
        // Nothing in flight, no records: a reply (a pong, a refusal) goes at once.
        held.hold(.pong(PongMessage(nonce: "n", uptime: 0, queueDepth: 0, workers: 0, draining: false)), to: Self.client)
        #expect(held.close(submit: submit).count == 1)

        held.hold(.cancelled(RequestID("x"), at: 0))
        held.hold(Self.accepted("a"), to: Self.client)
        #expect(held.close(submit: submit).isEmpty && submitted.count == 1)
        // A later iteration without records waits behind batch 1.
        held.hold(Self.accepted("b"), to: Self.client)
        #expect(held.close(submit: submit).isEmpty && submitted.count == 1)
        held.hold(.failed(RequestID("y"), MagnusError(.deadlineExceeded, "late")))
        held.hold(Self.accepted("c"), to: Self.client)
        #expect(held.close(submit: submit).isEmpty && submitted.count == 2)

        let first = held.committed(1, withdrawn: [])
        #expect(first?.map(\.reply.requestID) == [RequestID("a"), RequestID("b")])
        // An accept the journal lost is not acknowledged.
        #expect(held.committed(2, withdrawn: [RequestID("c")])?.isEmpty == true)
        #expect(held.committed(3, withdrawn: []) == nil)
        #expect(held.isIdle)
    }
}
