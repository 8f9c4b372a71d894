import Testing
import Transport

@Suite("ROUTER/DEALER")
struct RouterDealerTests {
    @Test("round trip with routing id, empty frames and a 1 MiB frame over TCP")
    func roundTrip() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        defer { router.close() }
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        try router.setReceiveTimeout(milliseconds: TestSupport.arrivalTimeout)
        try dealer.setReceiveTimeout(milliseconds: TestSupport.arrivalTimeout)

        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try router.lastEndpoint)
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(!endpoint.hasSuffix(":*"))

        try dealer.setRoutingID("worker-1")
        #expect(try dealer.routingID == Array("worker-1".utf8))
        try dealer.connect(endpoint)

        let big = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let request: [[UInt8]] = [[], Array("hello".utf8), big, []]
        #expect(try dealer.send(request))

        let received = try #require(try router.receive())
        #expect(received.count == 5)
        #expect(received.first == Array("worker-1".utf8))
        #expect(Array(received.dropFirst()) == request)

        let reply: [[UInt8]] = [Array("worker-1".utf8), [], Array("ack".utf8), big]
        #expect(try router.send(reply))
        let answer = try #require(try dealer.receive())
        #expect(answer == [[], Array("ack".utf8), big])
    }

    @Test("string frames over ipc in a temporary directory")
    func ipcStrings() throws {
        try TestSupport.withTemporaryDirectory { directory in
            let context = try ZMQContext()
            let router = try context.socket(.router)
            defer { router.close() }
            let dealer = try context.socket(.dealer)
            defer { dealer.close() }
            let endpoint = "ipc://" + directory.appendingPathComponent("router.sock").path
            try router.bind(endpoint)
            try dealer.setRoutingID("d")
            try dealer.connect(endpoint)
            try dealer.send(["ping", "", "ünïcode"])
            let frames = try #require(try TestSupport.receive(router, within: TestSupport.arrivalTimeout))
            #expect(frames.map(TestSupport.text) == ["d", "ping", "", "ünïcode"])
            try router.send(["d", "pong"])
            let reply = try #require(try TestSupport.receive(dealer, within: TestSupport.arrivalTimeout))
            #expect(reply.map(TestSupport.text) == ["pong"])
        }
    }

    @Test("routerMandatory reports an unknown routing id as EHOSTUNREACH")
    func routerMandatory() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        defer { router.close() }
        try router.setRouterMandatory(true)
        try router.bind("tcp://127.0.0.1:*")
        #expect(throws: ZMQError.hostUnreachable) {
            try router.send(["nobody", "hello"])
        }
    }

    @Test("a DEALER with no peer cannot send without blocking")
    func dealerWithoutPeer() throws {
        let context = try ZMQContext()
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        #expect(try dealer.send(["lost"], dontWait: true) == false)
        try dealer.setSendTimeout(milliseconds: 20)
        #expect(try dealer.send(["lost"]) == false)
    }
}
