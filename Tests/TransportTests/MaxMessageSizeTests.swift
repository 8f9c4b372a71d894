import Testing
import Transport

@Suite("Maximum message size")
struct MaxMessageSizeTests {
    @Test("an oversized message is dropped with its connection; the peer reconnects")
    func oversizedDropped() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        defer { pull.close() }
        let push = try context.socket(.push)
        defer { push.close() }
        try pull.setMaxMessageSize(1_024)
        try pull.bind("tcp://127.0.0.1:*")
        try push.setReconnectInterval(milliseconds: 20)
        try push.connect(try #require(try pull.lastEndpoint))

        // Prove the connection works, then overstep the limit.
        try push.send(["small"])
        let first = try TestSupport.receive(pull, within: TestSupport.arrivalTimeout)
        #expect(first?.map(TestSupport.text) == ["small"])

        // The limit applies to each frame, not to the whole multipart message.
        let parts = [[UInt8]](repeating: [UInt8](repeating: 1, count: 800), count: 3)
        try push.send(parts)
        #expect(try TestSupport.receive(pull, within: TestSupport.arrivalTimeout) == parts)

        try push.send([[UInt8](repeating: 7, count: 4_096)])
        #expect(try TestSupport.receive(pull, within: 300) == nil)

        // libzmq dropped the connection rather than just the message; the pusher reconnects.
        try push.send(["after"])
        let after = try TestSupport.receive(pull, within: TestSupport.arrivalTimeout)
        #expect(after?.map(TestSupport.text) == ["after"])
    }
}
