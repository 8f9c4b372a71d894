import Transport

/// What the connection events of a client's socket said during first contact
/// (`ZMQSocketMonitor`), and the sentence that tells a person what is wrong: nobody there,
/// a key the coordinator refuses, a security mismatch, or the wrong kind of socket at that
/// address. A pure value: `record` the events, then ask `failure`.
public struct ContactReport: Sendable, Hashable {
    /// Which of the coordinator's endpoints the client tried, for the hints.
    public enum Role: Sendable, Hashable {
        /// The client endpoint (submit, cancel, ping), allowlist `client_keys`.
        case client
        /// The status PUB, allowlist `status_keys` (or `client_keys`).
        case status
    }

    /// A TCP (or IPC) connection was made at least once.
    public private(set) var connected = false
    /// The ZeroMQ handshake (security included) completed at least once.
    public private(set) var handshakeSucceeded = false
    /// The ZAP status code of a refused authentication (400: key not on the allowlist).
    public private(set) var authenticationFailure: UInt32?
    /// The ZeroMQ protocol error of a failed handshake (`ZMQ_PROTOCOL_ERROR_*`).
    public private(set) var protocolFailure: UInt32?
    /// Connection attempts that found nobody listening.
    public private(set) var retries = 0

    public init() {}

    /// Files one event.
    public mutating func record(_ event: ZMQSocketMonitor.Event) {
        switch event.kind {
        case .connected: connected = true
        case .connectRetried: retries += 1
        case .handshakeSucceeded: handshakeSucceeded = true
        case .handshakeFailedAuth: authenticationFailure = event.value
        case .handshakeFailedProtocol: protocolFailure = event.value
        default: break
        }
    }

    /// Whether waiting longer cannot help: the peer refused the key or speaks another protocol.
    public var isDecisive: Bool { authenticationFailure != nil || protocolFailure != nil }

    /// The sentence for a client that got no answer from `endpoint` within `waited` seconds.
    /// - Parameter usingCurve: whether the client had CURVE keys.
    public func failure(endpoint: String, waited: Double, role: Role, usingCurve: Bool) -> String {
        let allowlist = role == .client ? "client_keys" : "status_keys (or client_keys)"
        if let status = authenticationFailure {
            return "authentication failed at \(endpoint): the coordinator refused this client's CURVE key (ZAP status \(status)); "
                + "add its public key (the .pub beside --curve-secret-key-file) to the coordinator's \(allowlist) allowlist and restart it"
        }
        if let code = protocolFailure {
            if code == ZMQSocketMonitor.mechanismMismatch {
                return usingCurve
                    ? "security mismatch at \(endpoint): this client uses CURVE but the coordinator does not; drop --curve-secret-key-file and --coordinator-key, or turn CURVE on at the coordinator"
                    : "security mismatch at \(endpoint): the coordinator requires CURVE; give --curve-secret-key-file and --coordinator-key (magnus keygen; docs/operations.md, \"Authentication\")"
            }
            if code == ZMQSocketMonitor.cryptographicError {
                return "the CURVE handshake with \(endpoint) failed (ZeroMQ protocol error 0x\(String(code, radix: 16))): is --coordinator-key the coordinator's public key?"
            }
            return "the handshake with \(endpoint) failed (ZeroMQ protocol error 0x\(String(code, radix: 16))): is it the coordinator's \(role == .client ? "client" : "status") endpoint? "
                + "(default ports: clients 5555, workers 5556, status 5557)"
        }
        let seconds = Self.seconds(waited)
        if handshakeSucceeded {
            return role == .client
                ? "no coordinator answering at \(endpoint): a peer accepted the connection but answered no ping within \(seconds) s; is it the coordinator's client endpoint (workers use 5556, status 5557), or is the coordinator still starting?"
                : "no status from \(endpoint) within \(seconds) s although the connection is up; is it the coordinator's status endpoint (default port 5557)?"
        }
        if connected {
            return usingCurve
                ? "no coordinator answering at \(endpoint): connected, but the CURVE handshake never completed within \(seconds) s; is --coordinator-key the coordinator's public key, and is this its \(role == .client ? "client" : "status") endpoint?"
                : "no coordinator answering at \(endpoint): connected, but the handshake never completed within \(seconds) s; does the coordinator require CURVE keys?"
        }
        return "no coordinator answering at \(endpoint): nothing accepted a connection within \(seconds) s; is magnus-coordinator running and listening there?"
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(Double(Int(value * 10)) / 10)
    }
}

/// No answer at first contact; `description` says why, from the connection events.
public struct ContactError: Error, CustomStringConvertible, Sendable {
    public var endpoint: String
    public var report: ContactReport
    public var description: String

    public init(endpoint: String, report: ContactReport, description: String) {
        self.endpoint = endpoint
        self.report = report
        self.description = description
    }
}
