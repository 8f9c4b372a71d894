import Client
import Shared
import Testing

/// Restart detection from the incarnation id in every reply.
@Suite struct RestartDetectorTests {
    static func pong(uptime: Double, incarnation: String?) -> CoordinatorReply {
        var message = PongMessage(nonce: "n", uptime: uptime, queueDepth: 0, workers: 0, draining: false)
        message.incarnation = incarnation
        return .pong(message)
    }

    @Test func aChangedIncarnationIsARestartEvenWhenUptimeWentUp() {
        var detector = RestartDetector()
        let error = CoordinatorReply.error(ErrorMessage(id: RequestID("x"), code: .overloaded, message: ""))
        let seen = [
            detector.observe(Self.pong(uptime: 50, incarnation: "00000000000000aa")),
            detector.observe(error.stamped("00000000000000aa")),
            // The new coordinator has been up longer than the old one was at the last pong.
            detector.observe(Self.pong(uptime: 80, incarnation: "00000000000000bb")),
            detector.observe(Self.pong(uptime: 81, incarnation: "00000000000000bb")),
        ]
        #expect(seen == [false, false, true, false])
        #expect(detector.incarnation == "00000000000000bb")
    }

    @Test func withoutAnIncarnationUptimeGoingBackIsARestart() {
        var detector = RestartDetector()
        let seen = [5.0, 6, 1].map { detector.observe(Self.pong(uptime: $0, incarnation: nil)) }
        #expect(seen == [false, false, true])
    }

    @Test func theIncarnationTravelsInEveryReplyType() throws {
        let replies: [CoordinatorReply] = [
            .accepted(AcceptedMessage(id: RequestID("a"), predictedTokens: 1, inputTokens: 1, queuePosition: 1, queueDepth: 1)),
            .result(
                ResultMessage(
                    id: RequestID("a"), text: "t", generatedTokens: 1, inputTokens: 1, predictedTokens: 1,
                    worker: WorkerID("w"), batchID: BatchID(1), queueMilliseconds: 0, responseMilliseconds: 0)),
            .error(ErrorMessage(id: RequestID("a"), code: .overloaded, message: "m")),
            .cancelled(CancelledMessage(id: RequestID("a"), cancelled: true)),
            Self.pong(uptime: 1, incarnation: nil),
        ]
        for reply in replies {
            let stamped = reply.stamped("0123456789abcdef")
            let decoded = try CoordinatorReply.decode(stamped.payload)
            #expect(decoded.incarnation == "0123456789abcdef", "\(reply.type)")
            #expect(String(decoding: stamped.payload, as: UTF8.self).contains("\"incarnation\":\"0123456789abcdef\""))
            #expect(try CoordinatorReply.decode(reply.payload).incarnation == nil, "absent unless stamped")
        }
    }
}
