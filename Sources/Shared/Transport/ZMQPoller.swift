import CZeroMQ

/// Waits until any of several sockets can receive (or send) without blocking (`zmq_poll`).
///
/// Register sockets with `add(_:events:)`, then call `poll(timeoutMilliseconds:)` as often
/// as needed. Like the sockets it holds, a poller belongs to one thread. A socket reported
/// readable holds at least one whole message, so `receive(dontWait: true)` will not return `nil`.
public struct ZMQPoller {
    /// The registered sockets, in registration order (indices match `Ready.index`).
    public private(set) var sockets: [ZMQSocket] = []
    /// The events requested for each socket, parallel to `sockets`.
    private var interests: [Events] = []

    /// Creates an empty poller.
    public init() {}

    /// Registers `socket` for `events` and returns its index. A socket may be added only once.
    /// - Complexity: O(n) in the number of registered sockets.
    @discardableResult
    public mutating func add(_ socket: ZMQSocket, events: Events = .readable) -> Int {
        precondition(!events.isEmpty, "poll for at least one event")
        precondition(!sockets.contains { $0 === socket }, "socket already registered")
        sockets.append(socket)
        interests.append(events)
        return sockets.count - 1
    }

    /// Waits until at least one registered socket is ready or the timeout passes.
    /// All registered sockets must still be open (a closed one is a programmer error and traps).
    /// - Parameter timeoutMilliseconds: `0` returns at once; `nil` waits indefinitely.
    /// - Returns: the ready sockets with their ready events, in registration order; empty
    ///   on timeout.
    /// - Throws: `ZMQError`, e.g. `.contextTerminated` if a socket's context was shut down.
    ///   A signal interrupting the wait restarts it with the remaining time.
    /// - Complexity: O(n) in the number of registered sockets, plus the wait.
    public func poll(timeoutMilliseconds: Int?) throws(ZMQError) -> [Ready] {
        if let timeoutMilliseconds { precondition(timeoutMilliseconds >= 0, "timeout cannot be negative") }
        var items = zip(sockets, interests).map { socket, events in
            zmq_pollitem_t(socket: socket.openHandle, fd: 0, events: Int16(events.rawValue), revents: 0)
        }
        let clock = ContinuousClock()
        let deadline = timeoutMilliseconds.map { clock.now.advanced(by: .milliseconds($0)) }
        let count = CInt(items.count)
        while true {
            var remaining = -1
            if let deadline {
                // Round up so that the wait is never shorter than asked for.
                let left = clock.now.duration(to: deadline).components
                let millis = left.seconds * 1000 + (left.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                remaining = max(0, Int(millis))
            }
            let rc = zmq_poll(&items, count, remaining)
            if rc >= 0 { break }
            let error = ZMQError.last
            if error != .interrupted { throw error }
        }
        var ready: [Ready] = []
        for (index, item) in items.enumerated() where item.revents != 0 {
            let events = Events(rawValue: Int(item.revents)).intersection(interests[index])
            if !events.isEmpty {
                ready.append(Ready(index: index, socket: sockets[index], events: events))
            }
        }
        return ready
    }
}
