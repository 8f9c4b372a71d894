import CZeroMQ

/// One libzmq socket, owned by this object: closed by `close()` or, failing that, on deinit.
///
/// Not `Sendable`: libzmq sockets must not be used from two threads at once, so keep each
/// socket inside the thread (or actor) that created it. The socket retains its `context`,
/// which stays usable for creating further sockets (for example a ZAP handler's REP socket
/// bound to `inproc://zeromq.zap.01`).
///
/// Calling any method other than `close()` after the socket was closed is a programmer
/// error and traps. Failures reported by libzmq are thrown as `ZMQError`; `EINTR` is retried,
/// and `EAGAIN` (would block, timeout) is returned as `false` / `nil`.
public final class ZMQSocket {
    /// The context this socket was created on; kept alive while the socket exists.
    public let context: ZMQContext
    /// The socket's type.
    public let kind: Kind
    /// The `void *` socket handle; `nil` once closed.
    private var handle: UnsafeMutableRawPointer?

    /// Creates a socket of `kind` on `context` and sets its linger period.
    /// - Parameters:
    ///   - linger: milliseconds that `close()` keeps unsent messages for delivery in the
    ///     background (`ZMQ_LINGER`); context termination waits that long. `0` (the default)
    ///     drops them at once; `nil` waits forever, which can hang context termination.
    /// - Throws: `ZMQError`, e.g. `.contextTerminated` or `.tooManyOpenFiles`.
    public init(_ kind: Kind, context: ZMQContext, linger: Int? = 0) throws(ZMQError) {
        self.context = context
        self.kind = kind
        guard let handle = zmq_socket(context.handle, kind.cValue) else { throw ZMQError.last }
        self.handle = handle
        do {
            try setLinger(milliseconds: linger)
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Whether `close()` has been called.
    public var isClosed: Bool { handle == nil }

    /// Closes the socket (`zmq_close`). Unsent messages are kept for the linger period.
    /// Idempotent: closing a closed socket does nothing.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        _ = zmq_close(handle)
    }

    /// The open handle; traps if the socket was closed.
    var openHandle: UnsafeMutableRawPointer {
        guard let handle else { preconditionFailure("use of a closed ZMQSocket (\(kind))") }
        return handle
    }

    // MARK: Endpoints

    /// Binds to a local endpoint, e.g. `tcp://127.0.0.1:*` (any free port), `ipc:///path`,
    /// `inproc://name`. Read the resulting address from `lastEndpoint`.
    /// - Throws: `ZMQError`: `.invalidArgument` (malformed), `.addressInUse`,
    ///   `.protocolNotSupported`, `.noSuchDevice`...
    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = openHandle
        _ = try ZMQError.check { zmq_bind(handle, endpoint) }
    }

    /// Connects to an endpoint. For TCP the connection is made (and remade) asynchronously,
    /// so an unreachable peer is not an error here; a malformed endpoint is (`.invalidArgument`).
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = openHandle
        _ = try ZMQError.check { zmq_connect(handle, endpoint) }
    }

    /// Stops listening on an endpoint passed to `bind` (use the `lastEndpoint` form for
    /// wildcard binds). Throws `.noSuchEndpoint` if it is not bound.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let handle = openHandle
        _ = try ZMQError.check { zmq_unbind(handle, endpoint) }
    }

    /// Disconnects from an endpoint passed to `connect`. Throws `.noSuchEndpoint` if not connected.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let handle = openHandle
        _ = try ZMQError.check { zmq_disconnect(handle, endpoint) }
    }

    /// The endpoint most recently bound or connected (`ZMQ_LAST_ENDPOINT`), with wildcards
    /// resolved (`tcp://127.0.0.1:41234`); `nil` if there is none.
    public var lastEndpoint: String? {
        get throws(ZMQError) {
            let bytes = try bytesOption(ZMQ_LAST_ENDPOINT, capacity: 1024)
            let text = bytes.prefix { $0 != 0 }
            return text.isEmpty ? nil : String(decoding: text, as: UTF8.self)
        }
    }
}
