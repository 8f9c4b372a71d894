import Testing
import Transport

@Suite("PUB/SUB")
struct PubSubTests {
    @Test("a subscriber receives only its topic, despite the slow-joiner delay")
    func topicFilter() throws {
        let context = try ZMQContext()
        let publisher = try context.socket(.pub)
        defer { publisher.close() }
        let subscriber = try context.socket(.sub)
        defer { subscriber.close() }
        try publisher.bind("tcp://127.0.0.1:*")
        try subscriber.subscribe("weather.")
        try subscriber.connect(try #require(try publisher.lastEndpoint))

        // The subscription reaches the publisher asynchronously; until then PUB drops
        // everything. Keep publishing both topics until the subscriber hears one (bounded).
        var received: [[String]] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while received.isEmpty && clock.now < deadline {
            try publisher.send(["sports.football", "3-1"])
            try publisher.send(["weather.paris", "rain"])
            if let message = try TestSupport.receive(subscriber, within: 20) {
                received.append(message.map(TestSupport.text))
            }
        }
        // Drain whatever else arrived: it must all be weather.
        while let message = try subscriber.receiveStrings(dontWait: true) {
            received.append(message)
        }
        #expect(!received.isEmpty)
        #expect(received.allSatisfy { $0 == ["weather.paris", "rain"] })
    }
}
