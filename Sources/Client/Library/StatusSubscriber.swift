import ServiceSupport
import Shared
import Transport

/// Subscribes to the coordinator's status stream (snapshots, events or both). One SUB
/// socket, owned by the thread that uses it (not `Sendable`). Like every ZeroMQ subscriber it
/// misses what was published before its subscription reached the coordinator.
public final class StatusSubscriber {
    public let endpoint: String
    private let socket: ZMQSocket
    /// The connection events until `contact(timeout:)`, when asked for.
    private var watch: ConnectionWatch?
    private let usesCurve: Bool

    /// - Parameters:
    ///   - curve: keys for a status stream that authenticates subscribers.
    ///   - watchConnection: record the connection events until `contact(timeout:)`.
    public init(
        endpoint: String, topics: [StatusTopic] = StatusTopic.allCases, context: ZMQContext? = nil, curve: CurveClientKeys? = nil,
        watchConnection: Bool = false
    ) throws(ZMQError) {
        self.endpoint = endpoint
        usesCurve = curve != nil
        let context = if let context { context } else { try ZMQContext() }
        socket = try context.socket(.sub, linger: 0)
        try socket.setReceiveHighWaterMark(100_000)
        try curve?.apply(to: socket)
        for topic in topics { try socket.subscribe(topic.rawValue) }
        if watchConnection { watch = try ConnectionWatch(socket) }
        try socket.connect(endpoint)
    }

    deinit { close() }

    public func close() {
        watch?.stop()
        watch = nil
        socket.close()
    }

    /// First contact (with `watchConnection`): waits at most `timeout` seconds for the
    /// connection's handshake to complete, so that a dead endpoint, a refused key or a
    /// security mismatch is reported at once instead of as a silent stream. Returns at once
    /// without `watchConnection`.
    /// - Returns: what the connection events said, for `failure(…)` if no message comes later.
    /// - Throws: `ContactError`, or `ZMQError`.
    @discardableResult
    public func contact(timeout: Double = 5) throws -> ContactReport {
        guard let watch else { return ContactReport() }
        defer {
            watch.stop()
            self.watch = nil
        }
        let clock = MonotonicClock()
        repeat {
            try watch.update(waitingMilliseconds: max(1, min(50, Int((timeout - clock.now) * 1000))))
            if watch.report.handshakeSucceeded { return watch.report }
            if watch.report.isDecisive { break }
        } while clock.now < timeout
        throw ContactError(
            endpoint: endpoint, report: watch.report,
            description: watch.report.failure(endpoint: endpoint, waited: timeout, role: .status, usingCurve: usesCurve))
    }

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
