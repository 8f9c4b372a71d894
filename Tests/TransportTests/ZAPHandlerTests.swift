import Testing
import Transport

@Suite("ZAP handler", .enabled(if: ZMQ.hasCapability("curve")))
struct ZAPHandlerTests {
    @Test("only allowlisted CURVE clients get through; the handler sees domain and key")
    func allowlist() throws {
        let server = ZMQCurve.generateKeypair()
        let friend = ZMQCurve.generateKeypair()
        let stranger = ZMQCurve.generateKeypair()
        let allowed = try #require(ZMQCurve.z85Decode(friend.publicKey))

        let context = try ZMQContext()
        let zap = try ZAPHandler(context: context) { request in
            request.domain == "clients" && request.curvePublicKey == allowed ? .allow(userID: "friend") : .deny(reason: "not listed")
        }
        defer { zap.stop() }
        // A second handler on the same context cannot bind.
        #expect(throws: ZMQError.addressInUse) { _ = try ZAPHandler(context: context) { _ in .deny(reason: "") } }

        let router = try context.socket(.router)
        defer { router.close() }
        try router.makeCurveServer(secretKey: server.secretKey)
        try router.setZAPDomain("clients")
        try router.setZAPEnforceDomain(true)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try router.lastEndpoint)

        func dealer(_ name: String, _ keys: (publicKey: String, secretKey: String)) throws -> ZMQSocket {
            let socket = try context.socket(.dealer)
            try socket.setRoutingID(name)
            try socket.makeCurveClient(serverKey: server.publicKey, publicKey: keys.publicKey, secretKey: keys.secretKey)
            try socket.connect(endpoint)
            return socket
        }
        let bad = try dealer("stranger", stranger)
        defer { bad.close() }
        try bad.send(["let me in"])
        let good = try dealer("friend", friend)
        defer { good.close() }
        try good.send(["hello"])

        let first = try TestSupport.receive(router, within: TestSupport.arrivalTimeout)
        #expect(first?.map(TestSupport.text) == ["friend", "hello"])
        #expect(try TestSupport.receive(router, within: 300) == nil)
        #expect(zap.counts.allowed >= 1 && zap.counts.denied >= 1)
    }

    @Test("without a handler, an enforcing socket lets nobody in")
    func enforcedWithoutHandler() throws {
        let server = ZMQCurve.generateKeypair()
        let client = ZMQCurve.generateKeypair()
        let context = try ZMQContext()
        let zap = try ZAPHandler(context: context) { _ in .allow(userID: "") }
        zap.stop()
        let router = try context.socket(.router)
        defer { router.close() }
        try router.makeCurveServer(secretKey: server.secretKey)
        try router.setZAPDomain("clients")
        try router.setZAPEnforceDomain(true)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        try dealer.makeCurveClient(serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey)
        try dealer.connect(try #require(try router.lastEndpoint))
        try dealer.send(["hello"])
        #expect(try TestSupport.receive(router, within: 500) == nil)
    }

    @Test func requestsParseAndRepliesEcho() {
        let key = [UInt8](repeating: 7, count: 32)
        let frames: [[UInt8]] = [Array("1.0".utf8), [1, 2], Array("workers".utf8), Array("127.0.0.1".utf8), [], Array("CURVE".utf8), key]
        let request = ZAPRequest(frames: frames)
        #expect(request?.domain == "workers" && request?.curvePublicKey == key)
        #expect(request?.reply(.allow(userID: "w1"))[2] == Array("200".utf8))
        #expect(request?.reply(.deny(reason: "no"))[1] == [1, 2])
        #expect(ZAPRequest(frames: [Array("2.0".utf8)]) == nil)
        #expect(ZAPRequest(frames: Array(frames.prefix(6)))?.curvePublicKey == nil)
    }
}
