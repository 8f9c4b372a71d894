import Testing
import Transport

/// `ZMQSocketMonitor`: a socket's connection events, as libzmq reports them.
@Suite("Socket monitor")
struct SocketMonitorTests {
    /// Events until `kind` arrives or `milliseconds` pass.
    static func events(_ monitor: ZMQSocketMonitor, until kind: ZMQSocketMonitor.Kind, within milliseconds: Int) throws -> [ZMQSocketMonitor.Event] {
        var seen: [ZMQSocketMonitor.Event] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(milliseconds)
        while clock.now < deadline, !seen.contains(where: { $0.kind == kind }) {
            if let event = try monitor.next(waitingMilliseconds: 50) { seen.append(event) }
        }
        return seen
    }

    @Test("a connection reports connected and handshake succeeded, with the endpoint")
    func connectAndHandshake() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        defer { router.close() }
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try router.lastEndpoint)
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        let monitor = try ZMQSocketMonitor(dealer)
        defer { monitor.stop() }
        try dealer.connect(endpoint)
        let seen = try Self.events(monitor, until: .handshakeSucceeded, within: TestSupport.arrivalTimeout)
        #expect(seen.contains { $0.kind == .connected && $0.endpoint == endpoint }, "\(seen)")
        #expect(seen.contains { $0.kind == .handshakeSucceeded })
        monitor.stop()
        monitor.stop()  // idempotent; the watched socket stays usable
        try dealer.send(["still works"])
        #expect(try TestSupport.receive(router, within: TestSupport.arrivalTimeout)?.last.map(TestSupport.text) == "still works")
    }

    @Test("nobody listening: retries, no connection")
    func nobodyThere() throws {
        let endpoint: String
        do {
            let context = try ZMQContext()
            let router = try context.socket(.router)
            try router.bind("tcp://127.0.0.1:*")
            endpoint = try #require(try router.lastEndpoint)
            router.close()
        }
        let context = try ZMQContext()
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        let monitor = try ZMQSocketMonitor(dealer)
        defer { monitor.stop() }
        try dealer.connect(endpoint)
        let seen = try Self.events(monitor, until: .connectRetried, within: TestSupport.arrivalTimeout)
        #expect(seen.contains { $0.kind == .connectRetried }, "\(seen)")
        #expect(!seen.contains { $0.kind == .connected })
    }

    @Test("event kinds print their libzmq names")
    func names() {
        #expect(ZMQSocketMonitor.Kind.handshakeFailedAuth.description == "handshake_failed_auth")
        #expect(ZMQSocketMonitor.Kind([.connected, .disconnected]).description == "connected|disconnected")
        #expect(ZMQSocketMonitor.Event(kind: .connectRetried, value: 100, endpoint: "tcp://a:1").description == "connect_retried (100) tcp://a:1")
    }
}
