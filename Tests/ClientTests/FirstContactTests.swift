import Client
import Foundation
import ServiceSupport
import Shared
import Testing
import Transport

/// First contact: a client that gets no answer says why within its timeout (nobody there, a
/// refused key, a security mismatch), from its socket's connection events. Loopback only.
@Suite("First contact", .serialized)
struct FirstContactTests {
    static func elapsed(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let time = (clock.now - start).components
        return Double(time.seconds) + Double(time.attoseconds) * 1e-18
    }

    /// The error of a contact that must fail.
    static func failure(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// A loopback TCP endpoint that nothing listens on: bound once on a context of its own,
    /// which is terminated (so the listener is really closed) before returning.
    static func deadEndpoint() throws -> String {
        let context = try ZMQContext()
        let socket = try context.socket(.router)
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try socket.lastEndpoint)
        socket.close()
        return endpoint
    }

    @Test func nothingListeningIsReportedWithinTheTimeout() throws {
        let endpoint = try Self.deadEndpoint()
        let context = try ZMQContext()
        let client = try MagnusClient(endpoint: endpoint, context: context, watchConnection: true)
        defer { client.close() }
        var message = ""
        let seconds = Self.elapsed { message = Self.failure { try client.contact(timeout: 0.5) } }
        #expect(message.hasPrefix("no coordinator answering at \(endpoint): nothing accepted a connection within 0.5 s"), "\(message)")
        #expect(seconds >= 0.5 && seconds < 2)

        let status = try StatusSubscriber(endpoint: endpoint, context: context, watchConnection: true)
        defer { status.close() }
        #expect(Self.failure { try status.contact(timeout: 0.3) }.hasPrefix("no coordinator answering at \(endpoint)"))
    }

    @Test func aPongEndsContact() throws {
        let context = try ZMQContext()
        // A fake coordinator on its own thread (its socket lives there) answers one ping; the
        // client may connect first: it retries until the path is bound.
        let address = "ipc://\(NSTemporaryDirectory())magnus-contact-\(UUID().uuidString.prefix(8))"
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { finished.signal() }
            guard let router = try? context.socket(.router), (try? router.bind(address)) != nil else { return }
            defer { router.close() }
            var poller = ZMQPoller()
            poller.add(router)
            guard (try? poller.poll(timeoutMilliseconds: 5000))?.isEmpty == false, let frames = try? router.receive(dontWait: true),
                frames.count == 2, case .ping(let ping)? = try? ClientMessage.decode(frames[1])
            else { return }
            let pong = PongMessage(nonce: ping.nonce, uptime: 1, queueDepth: 0, workers: 3, draining: false)
            _ = try? router.send([frames[0], CoordinatorReply.pong(pong).payload])
        }
        thread.start()
        let client = try MagnusClient(endpoint: address, context: context, watchConnection: true)
        defer { client.close() }
        let pong = try client.contact(timeout: 5)
        #expect(pong.workers == 3)
        finished.wait()
    }

    @Test(.enabled(if: ZMQ.hasCapability("curve")))
    func aRefusedKeyAndASecurityMismatchAreSaidAtOnce() throws {
        let context = try ZMQContext()
        let zap = try ZAPHandler(context: context) { _ in .deny(reason: "not on the allowlist") }
        defer { zap.stop() }
        let server = ZMQCurve.generateKeypair()
        /// A CURVE server socket guarded by the ZAP handler, on loopback.
        func curveServer(_ kind: ZMQSocket.Kind, domain: String) throws -> (ZMQSocket, String) {
            let socket = try context.socket(kind)
            try socket.makeCurveServer(secretKey: server.secretKey)
            try socket.setZAPDomain(domain)
            try socket.setZAPEnforceDomain(true)
            try socket.bind("tcp://127.0.0.1:*")
            return (socket, try #require(try socket.lastEndpoint))
        }
        let (router, endpoint) = try curveServer(.router, domain: "clients")
        defer { router.close() }

        // A key the allowlist refuses: the ZAP status comes back, no need to wait the timeout out.
        let stranger = ZMQCurve.generateKeypair()
        let keys = CurveClientKeys(keypair: CurveKeypair(publicKey: stranger.publicKey, secretKey: stranger.secretKey), serverKey: server.publicKey)
        let refused = try MagnusClient(endpoint: endpoint, context: context, curve: keys, watchConnection: true)
        defer { refused.close() }
        var message = ""
        let seconds = Self.elapsed { message = Self.failure { try refused.contact(timeout: 5) } }
        #expect(message.hasPrefix("authentication failed at \(endpoint): the coordinator refused this client's CURVE key (ZAP status 400)"), "\(message)")
        #expect(message.contains("client_keys"))
        #expect(seconds < 4, "reported when the handshake fails, not at the timeout")

        let (publisher, statusEndpoint) = try curveServer(.pub, domain: "status")
        defer { publisher.close() }
        let status = try StatusSubscriber(endpoint: statusEndpoint, context: context, curve: keys, watchConnection: true)
        defer { status.close() }
        let statusMessage = Self.failure { try status.contact(timeout: 5) }
        #expect(statusMessage.hasPrefix("authentication failed") && statusMessage.contains("status_keys"), "\(statusMessage)")

        // No keys against a CURVE endpoint.
        let plain = try MagnusClient(endpoint: endpoint, context: context, watchConnection: true)
        defer { plain.close() }
        let mismatch = Self.failure { try plain.contact(timeout: 5) }
        #expect(mismatch.hasPrefix("security mismatch at \(endpoint): the coordinator requires CURVE"), "\(mismatch)")
    }

    @Test func reportSentences() {
        let e = "tcp://10.0.0.1:5555"
        func report(_ kinds: [(ZMQSocketMonitor.Kind, UInt32)]) -> ContactReport {
            var report = ContactReport()
            for (kind, value) in kinds { report.record(ZMQSocketMonitor.Event(kind: kind, value: value, endpoint: e)) }
            return report
        }
        #expect(
            report([(.connectRetried, 100)]).failure(endpoint: e, waited: 5, role: .client, usingCurve: false)
                == "no coordinator answering at \(e): nothing accepted a connection within 5 s; is magnus-coordinator running and listening there?")
        let connected = report([(.connected, 7)])
        #expect(!connected.isDecisive)
        #expect(connected.failure(endpoint: e, waited: 5, role: .client, usingCurve: true).contains("is --coordinator-key the coordinator's public key"))
        let answeredNothing = report([(.connected, 7), (.handshakeSucceeded, 0)])
        #expect(answeredNothing.failure(endpoint: e, waited: 2.5, role: .client, usingCurve: false).contains("answered no ping within 2.5 s"))
        #expect(answeredNothing.failure(endpoint: e, waited: 2, role: .status, usingCurve: false).hasPrefix("no status from \(e) within 2 s"))
        let mismatch = report([(.connected, 7), (.handshakeFailedProtocol, ZMQSocketMonitor.mechanismMismatch)])
        #expect(mismatch.isDecisive)
        #expect(mismatch.failure(endpoint: e, waited: 5, role: .client, usingCurve: true).contains("this client uses CURVE but the coordinator does not"))
        let other = report([(.handshakeFailedProtocol, 0x1000_0000)])
        #expect(other.failure(endpoint: e, waited: 5, role: .client, usingCurve: false).contains("protocol error 0x10000000"))
        let refused = report([(.handshakeFailedAuth, 400)])
        #expect(refused.failure(endpoint: e, waited: 5, role: .status, usingCurve: true).contains("status_keys (or client_keys) allowlist"))
    }
}
