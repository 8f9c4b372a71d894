import CZeroMQ

/// Owns one libzmq context: the I/O threads and the `inproc://` namespace that its sockets share.
///
/// Create sockets with `socket(_:linger:)`; every socket keeps its context alive, so the
/// context is terminated (`zmq_ctx_term`) only once the last socket object and the last
/// outside reference are gone. Termination waits for each closed socket's linger period;
/// sockets made by this module default to a linger of zero, so it does not hang.
///
/// `@unchecked Sendable`: libzmq documents contexts as thread-safe (creating sockets and
/// `zmq_ctx_shutdown` may be called from any thread), and the only stored state is the
/// immutable handle. Sockets themselves are not thread-safe and are not `Sendable`.
public final class ZMQContext: @unchecked Sendable {
    /// The `void *` context handle; valid for the object's whole lifetime.
    let handle: UnsafeMutableRawPointer

    /// Creates a context.
    /// - Parameter ioThreads: background I/O threads (`ZMQ_IO_THREADS`); one suffices for
    ///   roughly a gigabyte per second of traffic. Must be at least 1.
    /// - Throws: `ZMQError` if libzmq cannot create the context (e.g. `EMFILE`).
    public init(ioThreads: Int = 1) throws(ZMQError) {
        precondition(ioThreads >= 1 && ioThreads <= Int(Int32.max), "ioThreads must be at least 1")
        guard let handle = zmq_ctx_new() else { throw ZMQError.last }
        self.handle = handle
        if ioThreads != 1 {
            _ = try ZMQError.check { zmq_ctx_set(handle, ZMQ_IO_THREADS, CInt(ioThreads)) }
        }
    }

    /// Creates a socket of `kind` on this context; shorthand for `ZMQSocket(kind, context:linger:)`.
    /// - Parameter linger: milliseconds to keep unsent messages after close; `nil` waits forever.
    public func socket(_ kind: ZMQSocket.Kind, linger: Int? = 0) throws(ZMQError) -> ZMQSocket {
        try ZMQSocket(kind, context: self, linger: linger)
    }

    /// Shuts the context down without waiting (`zmq_ctx_shutdown`): blocking calls on its
    /// sockets, in any thread, fail with `ZMQError.contextTerminated`, as do later calls and
    /// new sockets. Sockets must still be closed. Use it to stop service loops.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        // No socket can be open here (each one retains the context), so this only waits for
        // lingering messages of already-closed sockets.
        while zmq_ctx_term(handle) != 0 && ZMQError.last == .interrupted {}
    }
}
