import Testing
import Transport

@Suite("Socket options")
struct OptionTests {
    @Test("typed options round-trip through libzmq")
    func roundTrip() throws {
        let context = try ZMQContext(ioThreads: 2)
        let socket = try context.socket(.dealer)
        defer { socket.close() }
        #expect(socket.kind == .dealer)
        #expect(socket.context === context)
        #expect(try socket.linger == 0)
        try socket.setLinger(milliseconds: 250)
        #expect(try socket.linger == 250)
        try socket.setLinger(milliseconds: nil)
        #expect(try socket.linger == nil)
        try socket.setLinger(milliseconds: 0)

        try socket.setSendHighWaterMark(10)
        try socket.setReceiveHighWaterMark(0)
        #expect(try socket.sendHighWaterMark == 10)
        #expect(try socket.receiveHighWaterMark == 0)

        #expect(try socket.receiveTimeout == nil)
        try socket.setReceiveTimeout(milliseconds: 30)
        try socket.setSendTimeout(milliseconds: 40)
        #expect(try socket.receiveTimeout == 30)
        #expect(try socket.sendTimeout == 40)

        #expect(try socket.maxMessageSize == nil)
        try socket.setMaxMessageSize(1 << 20)
        #expect(try socket.maxMessageSize == 1 << 20)

        #expect(try socket.routingID == [])
        try socket.setRoutingID([1, 2, 3])
        #expect(try socket.routingID == [1, 2, 3])

        try socket.setZAPDomain("magnus")
        #expect(try socket.zapDomain == "magnus")

        try socket.setImmediate(true)
        try socket.setReconnectInterval(milliseconds: 50)
        try socket.setHeartbeatInterval(milliseconds: 1_000)
        try socket.setHeartbeatTimeout(milliseconds: 3_000)
        try socket.setHeartbeatTTL(milliseconds: 10_000)
        try socket.setTCPKeepalive(true, idleSeconds: 60, intervalSeconds: 10, count: 3)
        try socket.setTCPKeepalive(nil)
        #expect(try socket.lastEndpoint == nil)

        #expect(throws: ZMQError.invalidArgument) { try socket.setCurveServerKey("too short") }

        #expect(!socket.isClosed)
        socket.close()
        #expect(socket.isClosed)
        socket.close()  // idempotent
    }
}
