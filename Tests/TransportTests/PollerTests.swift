import Testing
import Transport

@Suite("Poller and non-blocking receive")
struct PollerTests {
    @Test("poll with nothing to read returns nothing after the timeout")
    func pollTimeout() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        defer { pull.close() }
        let router = try context.socket(.router)
        defer { router.close() }
        try pull.bind("tcp://127.0.0.1:*")
        try router.bind("inproc://poll-timeout")
        var poller = ZMQPoller()
        poller.add(pull)
        poller.add(router)
        var ready: [ZMQPoller.Ready] = []
        let elapsed = try TestSupport.milliseconds {
            ready = try poller.poll(timeoutMilliseconds: 100)
        }
        #expect(ready.isEmpty)
        #expect(elapsed >= 99)
        #expect(elapsed < 1_000)
        #expect(try poller.poll(timeoutMilliseconds: 0).isEmpty)
    }

    @Test("poll reports which socket is readable, and writability")
    func pollReady() throws {
        let context = try ZMQContext()
        let a = try context.socket(.pair)
        defer { a.close() }
        let b = try context.socket(.pair)
        defer { b.close() }
        let idle = try context.socket(.pull)
        defer { idle.close() }
        try a.bind("inproc://poll-ready")
        try b.connect("inproc://poll-ready")
        try idle.bind("inproc://poll-idle")

        var poller = ZMQPoller()
        let idleIndex = poller.add(idle)
        let bIndex = poller.add(b, events: [.readable, .writable])
        #expect(idleIndex == 0 && bIndex == 1)

        let writable = try poller.poll(timeoutMilliseconds: 1_000)
        #expect(writable.map(\.index) == [bIndex])
        #expect(writable.first?.isWritable == true)
        #expect(writable.first?.isReadable == false)

        try a.send(["hi"])
        let ready = try poller.poll(timeoutMilliseconds: TestSupport.arrivalTimeout)
        #expect(ready.map(\.index) == [bIndex])
        #expect(ready.first?.isReadable == true)
        #expect(ready.first?.socket === b)
        #expect(try b.receiveStrings(dontWait: true) == ["hi"])
    }

    @Test("receive with dontWait on an empty socket returns nil")
    func receiveDontWait() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        defer { pull.close() }
        try pull.bind("tcp://127.0.0.1:*")
        #expect(try pull.receive(dontWait: true) == nil)
        #expect(try pull.receiveStrings(dontWait: true) == nil)
    }

    @Test("receive with a receive timeout returns nil after the timeout")
    func receiveTimeout() throws {
        let context = try ZMQContext()
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        try dealer.setReceiveTimeout(milliseconds: 50)
        var message: [[UInt8]]?
        let elapsed = try TestSupport.milliseconds { message = try dealer.receive() }
        #expect(message == nil)
        #expect(elapsed >= 45 && elapsed < 1_000)
    }
}
