import Coordinator
import Shared
import Testing

@testable import CoordinatorShell

/// The bounded outbound queue per client: replies that cannot be sent at once are held,
/// sent later in order, counted, and summed up in one line.
@Suite struct OutboundQueueTests {
    static let alice = ClientEnvelope(client: RoutingID("alice"))
    static let bob = ClientEnvelope(client: RoutingID("bob"))

    static func result(_ id: String) -> CoordinatorReply {
        .result(
            ResultMessage(
                id: RequestID(id), text: "t", generatedTokens: 1, inputTokens: 1, predictedTokens: 1, worker: WorkerID("w"),
                batchID: BatchID(1), queueMilliseconds: 0, responseMilliseconds: 0))
    }

    static func accepted(_ id: String) -> CoordinatorReply {
        .accepted(AcceptedMessage(id: RequestID(id), predictedTokens: 1, inputTokens: 1, queuePosition: 1, queueDepth: 1))
    }

    /// A socket stand-in: each client is reachable, full or unknown; it records what went out.
    struct FakeSocket {
        var state: [RoutingID: OutboundQueue.SendOutcome] = [:]
        var sent: [(RoutingID, RequestID?)] = []

        mutating func send(_ envelope: ClientEnvelope, _ reply: CoordinatorReply) -> OutboundQueue.SendOutcome {
            let outcome = state[envelope.client] ?? .sent
            if case .sent = outcome { sent.append((envelope.client, reply.requestID)) }
            return outcome
        }
    }

    @Test func repliesThatCannotGoAreHeldAndSentLaterInOrder() {
        var queue = OutboundQueue()
        var socket = FakeSocket(state: [Self.alice.client: .unreachable])
        queue.deliver(Self.result("a1"), to: Self.alice, now: 0) { socket.send($0, $1) }
        queue.deliver(Self.accepted("a2"), to: Self.alice, now: 0) { socket.send($0, $1) }
        queue.deliver(Self.result("b1"), to: Self.bob, now: 0) { socket.send($0, $1) }
        // Alice reconnected; a new answer for her joins the end of her queue.
        socket.state[Self.alice.client] = nil
        queue.deliver(Self.result("a3"), to: Self.alice, now: 1) { socket.send($0, $1) }
        #expect(socket.sent.map(\.1) == [RequestID("b1"), RequestID("a1"), RequestID("a3")])
        #expect(!queue.isHolding(for: Self.alice.client))
        // a3 waited behind a1, so it counts as deferred and redelivered too.
        #expect(queue.status == DeliveryStatus(held: 0, deferred: 3, redelivered: 2, dropped: 1, droppedAnswers: 0))
    }

    @Test func retryAllSendsWhenTheClientReadsAgain() {
        var queue = OutboundQueue()
        var socket = FakeSocket(state: [Self.alice.client: .full])
        for i in 0..<5 { queue.deliver(Self.result("r\(i)"), to: Self.alice, now: 0) { socket.send($0, $1) } }
        // The same final answer again (a resubmission while it waits) is not held twice.
        queue.deliver(Self.result("r0"), to: Self.alice, now: 0) { socket.send($0, $1) }
        #expect(queue.status.held == 5)
        queue.retryAll(now: 0.1) { socket.send($0, $1) }
        #expect(socket.sent.isEmpty)
        socket.state = [:]
        queue.retryAll(now: 0.2) { socket.send($0, $1) }
        #expect(socket.sent.map(\.1) == (0..<5).map { RequestID("r\($0)") })
        #expect(queue.status.held == 0 && queue.status.redelivered == 5 && queue.clientsWaiting == 0)
    }

    @Test func theQueueIsBoundedAndWhatItGivesUpIsCounted() {
        var queue = OutboundQueue(perClientLimit: 3, totalLimit: 4, maxAge: 10)
        var socket = FakeSocket(state: [Self.alice.client: .full, Self.bob.client: .full])
        for i in 0..<5 { queue.deliver(Self.result("a\(i)"), to: Self.alice, now: 0) { socket.send($0, $1) } }
        for i in 0..<3 { queue.deliver(Self.result("b\(i)"), to: Self.bob, now: 0) { socket.send($0, $1) } }
        #expect(queue.status.held == 4)
        #expect(queue.status.deferred == 8 && queue.status.dropped == 4 && queue.status.droppedAnswers == 4)
        // Held too long: given up at the next try.
        queue.retryAll(now: 11) { socket.send($0, $1) }
        #expect(queue.status.held == 0 && queue.status.dropped == 8 && queue.clientsWaiting == 0)
    }

    @Test func oneSummaryLinePerInterval() {
        var queue = OutboundQueue()
        var socket = FakeSocket(state: [Self.alice.client: .full])
        let before = queue.takeSummary(seconds: 1)
        #expect(before == nil)
        for i in 0..<1000 { queue.deliver(Self.result("r\(i)"), to: Self.alice, now: 0) { socket.send($0, $1) } }
        let line = queue.takeSummary(seconds: 1)
        #expect(line?.contains("1000 could not be sent at once to 1 clients") == true)
        #expect(line?.contains("1000 held for 1 clients now") == true)
        let quiet = queue.takeSummary(seconds: 1)
        #expect(quiet == nil, "a quiet interval logs nothing")
    }
}
