import Transport

/// A client socket's monitor during first contact and what it saw so far: started before
/// the socket connects, stopped once contact is made or given up (libzmq blocks when a
/// monitor's queue is full, so it must not outlive that phase).
final class ConnectionWatch {
    private let monitor: ZMQSocketMonitor
    private(set) var report = ContactReport()

    init(_ socket: ZMQSocket) throws(ZMQError) {
        monitor = try ZMQSocketMonitor(socket)
    }

    /// Files the events queued since the last call, waiting up to `milliseconds` for the first.
    func update(waitingMilliseconds milliseconds: Int = 0) throws(ZMQError) {
        if let event = try monitor.next(waitingMilliseconds: milliseconds) { report.record(event) }
        for event in try monitor.drain() { report.record(event) }
    }

    func stop() { monitor.stop() }
}
