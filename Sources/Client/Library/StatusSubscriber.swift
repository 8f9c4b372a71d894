import ServiceSupport
import Shared
import Transport

/// Subscribes to the coordinator's status stream (snapshots, events or both). One SUB
/// socket, owned by the thread that uses it (not `Sendable`). Like every ZeroMQ subscriber it
/// misses what was published before its subscription reached the coordinator.
public final class StatusSubscriber {
    private let socket: ZMQSocket

    /// - Parameter curve: keys for a status stream that authenticates subscribers.
    public init(
        endpoint: String, topics: [StatusTopic] = StatusTopic.allCases, context: ZMQContext? = nil, curve: CurveClientKeys? = nil
    ) throws(ZMQError) {
        let context = if let context { context } else { try ZMQContext() }
        socket = try context.socket(.sub, linger: 0)
        try socket.setReceiveHighWaterMark(100_000)
        try curve?.apply(to: socket)
        for topic in topics { try socket.subscribe(topic.rawValue) }
        try socket.connect(endpoint)
    }

    deinit { socket.close() }

    public func close() { socket.close() }

    /// The next status message, waiting at most `timeout` seconds (nil = forever); nil on timeout.
    /// - Throws: `ZMQError`, or `MagnusError` for a message that does not decode.
    public func receive(timeout: Double?) throws -> StatusMessage? {
        if let frames = try socket.receive(dontWait: true) { return try StatusMessage.decode(frames) }
        var poller = ZMQPoller()
        poller.add(socket)
        let milliseconds = timeout.map { max(0, Int(($0 * 1000).rounded(.up))) }
        guard try !poller.poll(timeoutMilliseconds: milliseconds).isEmpty else { return nil }
        guard let frames = try socket.receive(dontWait: true) else { return nil }
        return try StatusMessage.decode(frames)
    }
}
