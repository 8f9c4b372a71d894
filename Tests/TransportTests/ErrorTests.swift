import Testing
import Transport

@Suite("Errors")
struct ErrorTests {
    @Test("connecting to a malformed endpoint throws EINVAL with a readable description")
    func malformedEndpoint() throws {
        let context = try ZMQContext()
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        do {
            try dealer.connect("definitely not an endpoint")
            Issue.record("connect should have failed")
        } catch {
            #expect(error == .invalidArgument)
            #expect(error.name == "EINVAL")
            #expect(error.message == "Invalid argument")
            #expect(error.description == "EINVAL: Invalid argument")
        }
        #expect(throws: ZMQError.invalidArgument) { try dealer.connect("tcp://127.0.0.1:notaport") }
        #expect(throws: ZMQError.protocolNotSupported) { try dealer.connect("carrier-pigeon://home") }
    }

    @Test("unbinding or disconnecting an unknown endpoint throws ENOENT")
    func unknownEndpoint() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.router)
        defer { socket.close() }
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try socket.lastEndpoint)
        #expect(throws: ZMQError.noSuchEndpoint) { try socket.disconnect("tcp://127.0.0.1:1") }
        try socket.unbind(endpoint)
        #expect(throws: ZMQError.noSuchEndpoint) { try socket.unbind(endpoint) }
    }

    @Test("binding an address in use throws EADDRINUSE")
    func addressInUse() throws {
        let context = try ZMQContext()
        let first = try context.socket(.pull)
        defer { first.close() }
        let second = try context.socket(.pull)
        defer { second.close() }
        try first.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try first.lastEndpoint)
        #expect(throws: ZMQError.addressInUse) { try second.bind(endpoint) }
    }

    @Test("shutting the context down wakes blocking calls with ETERM")
    func contextShutdown() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        defer { pull.close() }
        try pull.bind("inproc://shutdown")
        context.shutdown()
        #expect(throws: ZMQError.contextTerminated) { try pull.receive() }
        #expect(throws: ZMQError.contextTerminated) { try context.socket(.push) }
    }

    @Test("unknown codes still describe themselves")
    func unknownCode() {
        let error = ZMQError(code: 123_456)
        #expect(error.name == "errno 123456")
        #expect(!error.message.isEmpty)
        #expect(ZMQError.contextTerminated.name == "ETERM")
        #expect(ZMQError.contextTerminated.message == "Context was terminated")
    }
}
