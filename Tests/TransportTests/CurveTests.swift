import Testing
import Transport

@Suite("CURVE", .enabled(if: ZMQ.hasCapability("curve")))
struct CurveTests {
    @Test("Z85 encodes the specification's test vector and rejects bad text")
    func z85() {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(ZMQCurve.z85Encode(bytes) == "HelloWorld")
        #expect(ZMQCurve.z85Decode("HelloWorld") == bytes)
        #expect(ZMQCurve.z85Encode([]) == "")
        #expect(ZMQCurve.z85Decode("Hello") != nil)
        #expect(ZMQCurve.z85Decode("Hell") == nil)
        #expect(ZMQCurve.z85Decode("Hell~") == nil)
        #expect(ZMQCurve.z85Decode("#####") == nil)  // above 2^32
    }

    @Test("generated keypairs are consistent")
    func keypair() throws {
        let pair = ZMQCurve.generateKeypair()
        #expect(pair.publicKey.utf8.count == ZMQCurve.z85KeyLength)
        #expect(pair.secretKey.utf8.count == ZMQCurve.z85KeyLength)
        #expect(ZMQCurve.publicKey(fromSecret: pair.secretKey) == pair.publicKey)
        #expect(try #require(ZMQCurve.z85Decode(pair.publicKey)).count == ZMQCurve.keyLength)
        #expect(ZMQCurve.publicKey(fromSecret: "not a key") == nil)
        #expect(ZMQCurve.generateKeypair().secretKey != pair.secretKey)
    }

    @Test("a secured ROUTER/DEALER pair talks when keys match; a wrong server key gets nothing")
    func securedPair() throws {
        let server = ZMQCurve.generateKeypair()
        let client = ZMQCurve.generateKeypair()
        let impostor = ZMQCurve.generateKeypair()

        let context = try ZMQContext()
        let router = try context.socket(.router)
        defer { router.close() }
        try router.makeCurveServer(secretKey: server.secretKey)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try router.lastEndpoint)

        // Good client, keys as Z85 text.
        let good = try context.socket(.dealer)
        defer { good.close() }
        try good.setRoutingID("good")
        try good.makeCurveClient(serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey)
        try good.connect(endpoint)
        try good.send(["secret hello"])
        let request = try TestSupport.receive(router, within: TestSupport.arrivalTimeout)
        #expect(request?.map(TestSupport.text) == ["good", "secret hello"])
        try router.send(["good", "secret reply"])
        let reply = try TestSupport.receive(good, within: TestSupport.arrivalTimeout)
        #expect(reply?.map(TestSupport.text) == ["secret reply"])

        // Client that trusts the wrong server key, keys as raw bytes.
        let bad = try context.socket(.dealer)
        defer { bad.close() }
        try bad.setRoutingID("bad")
        try bad.setCurveServerKey(try #require(ZMQCurve.z85Decode(impostor.publicKey)))
        try bad.setCurvePublicKey(try #require(ZMQCurve.z85Decode(client.publicKey)))
        try bad.setCurveSecretKey(try #require(ZMQCurve.z85Decode(client.secretKey)))
        try bad.connect(endpoint)
        #expect(try bad.send(["let me in"]))  // queued locally; the handshake never completes
        #expect(try TestSupport.receive(router, within: 500) == nil)
        #expect(try TestSupport.receive(bad, within: 10) == nil)
    }
}
