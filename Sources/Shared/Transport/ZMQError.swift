import CZeroMQ

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed libzmq call, carrying the `errno` value libzmq reported.
///
/// `EINTR` never escapes this module (interrupted calls are retried), and `EAGAIN`
/// ("would block" or a timeout) is reported as `nil` / `false` by the sending and
/// receiving methods rather than thrown. Compare against the static constants:
/// `catch let error as ZMQError where error == .contextTerminated`.
public struct ZMQError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `errno` value: a system code or one of libzmq's own (`ETERM`, `EFSM`...).
    public let code: CInt

    /// Wraps an `errno` value.
    public init(code: CInt) {
        self.code = code
    }

    /// The error libzmq reported for the calling thread's most recent failed call.
    public static var last: ZMQError {
        ZMQError(code: magnus_zmq_errno())
    }

    // MARK: Common codes

    /// `EAGAIN`: the operation would block, or its timeout expired.
    public static let tryAgain = ZMQError(code: EAGAIN)
    /// `EINTR`: a signal interrupted the call (retried internally).
    public static let interrupted = ZMQError(code: EINTR)
    /// `ETERM`: the socket's context was shut down or terminated.
    public static let contextTerminated = ZMQError(code: ETERM)
    /// `EHOSTUNREACH`: a ROUTER with `routerMandatory` has no peer with that routing id.
    public static let hostUnreachable = ZMQError(code: EHOSTUNREACH)
    /// `EINVAL`: an invalid argument, such as a malformed endpoint or option value.
    public static let invalidArgument = ZMQError(code: EINVAL)
    /// `EPROTONOSUPPORT`: the endpoint's transport is not supported.
    public static let protocolNotSupported = ZMQError(code: EPROTONOSUPPORT)
    /// `ENOCOMPATPROTO`: the transport does not fit the socket type.
    public static let incompatibleProtocol = ZMQError(code: ENOCOMPATPROTO)
    /// `EADDRINUSE`: the address is already bound.
    public static let addressInUse = ZMQError(code: EADDRINUSE)
    /// `EADDRNOTAVAIL`: the address is not local.
    public static let addressNotAvailable = ZMQError(code: EADDRNOTAVAIL)
    /// `ENODEV`: the named network interface does not exist.
    public static let noSuchDevice = ZMQError(code: ENODEV)
    /// `ENOENT`: unbinding or disconnecting an endpoint that was never bound or connected.
    public static let noSuchEndpoint = ZMQError(code: ENOENT)
    /// `EFSM`: the operation is not valid in the socket's current state (e.g. REQ sending twice).
    public static let invalidState = ZMQError(code: EFSM)
    /// `ENOTSUP`: the operation is not supported by this socket type or libzmq build.
    public static let notSupported = ZMQError(code: ENOTSUP)
    /// `EMTHREAD`: no I/O thread is available.
    public static let noIOThread = ZMQError(code: EMTHREAD)
    /// `EMFILE`: too many open sockets or files.
    public static let tooManyOpenFiles = ZMQError(code: EMFILE)
    /// `ENOTSOCK`: the handle is not (or no longer) a socket.
    public static let notSocket = ZMQError(code: ENOTSOCK)
    /// `EFAULT`: an invalid handle or message was passed to libzmq.
    public static let fault = ZMQError(code: EFAULT)

    // MARK: Description

    /// The symbolic name of `code` (`"EAGAIN"`), or `"errno N"` if it is not a common one.
    public var name: String {
        switch code {
        case EAGAIN: "EAGAIN"
        case EINTR: "EINTR"
        case ETERM: "ETERM"
        case EHOSTUNREACH: "EHOSTUNREACH"
        case EINVAL: "EINVAL"
        case EPROTONOSUPPORT: "EPROTONOSUPPORT"
        case ENOCOMPATPROTO: "ENOCOMPATPROTO"
        case EADDRINUSE: "EADDRINUSE"
        case EADDRNOTAVAIL: "EADDRNOTAVAIL"
        case ENODEV: "ENODEV"
        case ENOENT: "ENOENT"
        case EFSM: "EFSM"
        case ENOTSUP: "ENOTSUP"
        case EMTHREAD: "EMTHREAD"
        case EMFILE: "EMFILE"
        case ENOTSOCK: "ENOTSOCK"
        case EFAULT: "EFAULT"
        case ENOMEM: "ENOMEM"
        case EMSGSIZE: "EMSGSIZE"
        case ECONNREFUSED: "ECONNREFUSED"
        case ETIMEDOUT: "ETIMEDOUT"
        default: "errno \(code)"
        }
    }

    /// libzmq's human-readable message for `code` (`zmq_strerror`).
    public var message: String {
        guard let text = zmq_strerror(code) else { return "Unknown error \(code)" }
        return String(cString: text)
    }

    /// `"NAME: message"`, e.g. `"EINVAL: Invalid argument"`.
    public var description: String {
        "\(name): \(message)"
    }
}

extension ZMQError {
    /// Runs a libzmq call returning `-1` on failure, retrying on `EINTR`.
    /// - Returns: the call's non-negative result.
    /// - Throws: `ZMQError` for any other failure (including `EAGAIN`).
    @inline(__always)
    static func check(_ call: () -> CInt) throws(ZMQError) -> CInt {
        while true {
            let rc = call()
            if rc >= 0 { return rc }
            let error = ZMQError.last
            if error != .interrupted { throw error }
        }
    }

    /// Like `check`, but returns `nil` on `EAGAIN` (would block or timed out).
    @inline(__always)
    static func checkUnlessWouldBlock(_ call: () -> CInt) throws(ZMQError) -> CInt? {
        while true {
            let rc = call()
            if rc >= 0 { return rc }
            let error = ZMQError.last
            if error == .tryAgain { return nil }
            if error != .interrupted { throw error }
        }
    }
}
