import CZeroMQ

/// Watches the connection events of one socket (`zmq_socket_monitor`): connected, retried,
/// handshake succeeded, handshake failed (and why), disconnected. libzmq publishes them on a
/// PAIR socket at an `inproc://` address; this object owns the PAIR at the other end.
///
/// Start it before the watched socket connects, so that no event is missed; `stop()` it when
/// done: the watched socket then publishes nothing more, and the PAIR is closed. Not
/// `Sendable`, like the socket it watches: use both on one thread.
public final class ZMQSocketMonitor {
    /// One event, as libzmq reports it.
    public struct Event: Sendable, Hashable, CustomStringConvertible {
        public var kind: Kind
        /// The event's value: for the handshake failures, the protocol error or the ZAP status
        /// code (e.g. 400 for a key the server's allowlist refuses); for `connectRetried`, the
        /// next reconnect interval in milliseconds; otherwise a file descriptor or errno.
        public var value: UInt32
        /// The endpoint it concerns (`tcp://127.0.0.1:5555`).
        public var endpoint: String

        public init(kind: Kind, value: UInt32, endpoint: String) {
            self.kind = kind
            self.value = value
            self.endpoint = endpoint
        }

        public var description: String { "\(kind) (\(value)) \(endpoint)" }
    }

    /// The kinds of event (`ZMQ_EVENT_*`), as a set.
    public struct Kind: OptionSet, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let connected = Kind(rawValue: UInt16(ZMQ_EVENT_CONNECTED))
        public static let connectDelayed = Kind(rawValue: UInt16(ZMQ_EVENT_CONNECT_DELAYED))
        public static let connectRetried = Kind(rawValue: UInt16(ZMQ_EVENT_CONNECT_RETRIED))
        public static let closed = Kind(rawValue: UInt16(ZMQ_EVENT_CLOSED))
        public static let disconnected = Kind(rawValue: UInt16(ZMQ_EVENT_DISCONNECTED))
        public static let monitorStopped = Kind(rawValue: UInt16(ZMQ_EVENT_MONITOR_STOPPED))
        public static let handshakeFailedNoDetail = Kind(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
        public static let handshakeSucceeded = Kind(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
        public static let handshakeFailedProtocol = Kind(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
        public static let handshakeFailedAuth = Kind(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
        /// What a connecting socket needs to tell "nobody there" from "refused" from "wrong peer".
        public static let connecting: Kind = [
            .connected, .connectDelayed, .connectRetried, .closed, .disconnected, .handshakeFailedNoDetail,
            .handshakeSucceeded, .handshakeFailedProtocol, .handshakeFailedAuth,
        ]

        public var description: String {
            let names: [(Kind, String)] = [
                (.connected, "connected"), (.connectDelayed, "connect_delayed"), (.connectRetried, "connect_retried"),
                (.closed, "closed"), (.disconnected, "disconnected"), (.monitorStopped, "monitor_stopped"),
                (.handshakeFailedNoDetail, "handshake_failed_no_detail"), (.handshakeSucceeded, "handshake_succeeded"),
                (.handshakeFailedProtocol, "handshake_failed_protocol"), (.handshakeFailedAuth, "handshake_failed_auth"),
            ]
            let known = names.filter { contains($0.0) }.map(\.1)
            return known.isEmpty ? "event 0x\(String(rawValue, radix: 16))" : known.joined(separator: "|")
        }
    }

    /// libzmq's protocol error codes that say the two ends disagree on security
    /// (`ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`) or on cryptography
    /// (`ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`: e.g. a wrong server key).
    public static let mechanismMismatch = UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
    public static let cryptographicError = UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)

    private let watched: ZMQSocket
    private let pair: ZMQSocket
    private var running = true

    /// Starts publishing `events` of `socket` and connects the PAIR that receives them.
    /// - Throws: `ZMQError` (e.g. `.contextTerminated`).
    public init(_ socket: ZMQSocket, events: Kind = .connecting) throws(ZMQError) {
        watched = socket
        let address = "inproc://magnus-monitor-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        let handle = socket.openHandle
        _ = try ZMQError.check { zmq_socket_monitor(handle, address, CInt(events.rawValue)) }
        do {
            pair = try socket.context.socket(.pair)
            try pair.connect(address)
        } catch {
            _ = zmq_socket_monitor(handle, nil, 0)
            throw error
        }
    }

    deinit { stop() }

    /// The next event, waiting at most `milliseconds` (0: only what is queued); nil if none.
    /// - Throws: `ZMQError`; traps after `stop()`.
    public func next(waitingMilliseconds milliseconds: Int) throws(ZMQError) -> Event? {
        precondition(running, "use of a stopped ZMQSocketMonitor")
        if milliseconds > 0 {
            var poller = ZMQPoller()
            poller.add(pair)
            guard try !poller.poll(timeoutMilliseconds: milliseconds).isEmpty else { return nil }
        }
        guard let frames = try pair.receive(dontWait: true) else { return nil }
        return Self.decode(frames)
    }

    /// Every event queued now.
    public func drain() throws(ZMQError) -> [Event] {
        var events: [Event] = []
        while let event = try next(waitingMilliseconds: 0) { events.append(event) }
        return events
    }

    /// Stops the monitor and closes its PAIR. Idempotent; the watched socket stays open.
    public func stop() {
        guard running else { return }
        running = false
        if !watched.isClosed { _ = zmq_socket_monitor(watched.openHandle, nil, 0) }
        pair.close()
    }

    /// An event message: a 6-byte frame (event id as a 16-bit and value as a 32-bit number,
    /// native byte order), then the endpoint.
    static func decode(_ frames: [[UInt8]]) -> Event? {
        guard frames.count == 2, frames[0].count == 6 else { return nil }
        let head = frames[0]
        let kind = head.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt16.self) }
        let value = head.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
        return Event(kind: Kind(rawValue: kind), value: value, endpoint: String(decoding: frames[1], as: UTF8.self))
    }
}
