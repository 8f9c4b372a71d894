import Coordinator
import ServiceSupport
import Shared
import Transport

/// The coordinator's CURVE setup: its keypair and one allowlist per socket. Workers and
/// clients must present a listed public key (checked by a `ZAPHandler` in the sockets'
/// context, per ZAP domain); the status stream is open or checked against its own list.
public struct CoordinatorSecurity: Sendable, Hashable {
    public var keypair: CurveKeypair
    public var workers: KeyAllowlist
    public var clients: KeyAllowlist
    /// Nil: the status stream is open (no CURVE), for dashboards on a trusted network.
    public var status: KeyAllowlist?

    public init(keypair: CurveKeypair, workers: KeyAllowlist, clients: KeyAllowlist, status: KeyAllowlist?) {
        self.keypair = keypair
        self.workers = workers
        self.clients = clients
        self.status = status
    }

    /// The setup a configuration names, or nil when CURVE is off (no secret key file).
    /// - Throws: `KeyFileError` for a key file or allowlist that cannot be used.
    public static func load(_ configuration: CoordinatorConfiguration) throws(KeyFileError) -> CoordinatorSecurity? {
        guard let secretFile = configuration.curveSecretKeyFile else { return nil }
        guard let workerKeys = configuration.workerKeys, let clientKeys = configuration.clientKeys else {
            throw KeyFileError(.unreadable, path: secretFile, "with a CURVE secret key, set worker_keys and client_keys too")
        }
        let clients = try KeyAllowlist(contentsOf: clientKeys)
        var status: KeyAllowlist?
        if configuration.statusAuth == .curve {
            status = try configuration.statusKeys.map { path throws(KeyFileError) in try KeyAllowlist(contentsOf: path) } ?? clients
        }
        return CoordinatorSecurity(
            keypair: try KeyFiles.readSecretKey(at: secretFile), workers: try KeyAllowlist(contentsOf: workerKeys),
            clients: clients, status: status)
    }

    /// Makes `socket` a CURVE server in `role`'s ZAP domain that refuses everyone when no
    /// handler answers. The open status stream is left alone.
    public func secure(_ socket: ZMQSocket, as role: SecuredSocket) throws(ZMQError) {
        if role == .status && status == nil { return }
        try socket.makeCurveServer(secretKey: keypair.secretKey)
        try socket.setZAPDomain(role.zapDomain)
        try socket.setZAPEnforceDomain(true)
    }

    /// The ZAP decision for a handshake: CURVE with a key on the domain's allowlist.
    public func authorize(_ request: ZAPRequest) -> ZAPDecision {
        guard let role = SecuredSocket(rawValue: request.domain) else {
            return .deny(reason: "unknown domain \(request.domain)")
        }
        guard let key = request.curvePublicKey else { return .deny(reason: "\(request.mechanism) is not allowed; use CURVE") }
        let list: KeyAllowlist? =
            switch role {
            case .clients: clients
            case .workers: workers
            case .status: status
            }
        guard let name = list?.name(of: key) else { return .deny(reason: "key not on the \(role.rawValue) allowlist") }
        return .allow(userID: name)
    }

    /// A summary for the start-up log.
    public var summary: String {
        "CURVE on: \(workers.count) worker keys, \(clients.count) client keys, status stream "
            + (status.map { "authenticated (\($0.count) keys)" } ?? "open") + ", public key \(keypair.publicKey)"
    }
}
