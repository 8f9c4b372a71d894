import ServiceSupport
import Shared
import Transport

/// The coordinator's three sockets (the client and worker ROUTERs, the status PUB) and the
/// ZAP handler, bound by the service thread and owned by it (not `Sendable`); closed with a
/// short linger so final replies get out.
final class CoordinatorSockets {
    let context: ZMQContext
    let clients: ZMQSocket
    let workers: ZMQSocket
    let status: ZMQSocket
    let endpoints: CoordinatorEndpoints
    /// Checks CURVE handshakes when the configuration turns authentication on.
    let authenticator: ZAPHandler?

    init(configuration: CoordinatorConfiguration, log: ServiceLog) throws(BindError) {
        func make<T>(_ role: String, _ endpoint: String, _ body: () throws(ZMQError) -> T) throws(BindError) -> T {
            do {
                return try body()
            } catch {
                throw BindError(role: role, endpoint: endpoint, error: error)
            }
        }
        do {
            context = try ZMQContext()
        } catch {
            throw BindError(role: "context", endpoint: "", error: error)
        }
        let context = context
        // The ZAP handler goes first: a CURVE socket bound before it would let peers in unchecked.
        let security: CoordinatorSecurity?
        do {
            security = try CoordinatorSecurity.load(configuration)
        } catch {
            throw BindError(role: "authentication", endpoint: error.path, error: .invalidArgument, detail: error.description)
        }
        let exposed = configuration.endpointsExposedWithoutAuthentication
        if !exposed.isEmpty {
            log(
                .warning,
                "\(exposed.joined(separator: ", ")) accept connections from any host and authentication is off: anyone who can reach them may submit, act as a worker or read the status. Bind to 127.0.0.1, or set curve_secret_key_file with worker and client allowlists (deploy/README.md)"
            )
        }
        let authenticator = try security.map { security throws(BindError) in
            let audit = AuthenticationLog(log: log)
            log(.info, security.summary)
            return try make("authentication", ZAPRequest.endpoint) { () throws(ZMQError) in
                try ZAPHandler(context: context) { audit.authorize($0, with: security) }
            }
        }
        func router(_ role: SecuredSocket, _ endpoint: String, maxMessageSize: Int) throws(BindError) -> ZMQSocket {
            try make(role == .clients ? "client" : "worker", endpoint) { () throws(ZMQError) in
                let socket = try context.socket(.router, linger: 1000)
                try security?.secure(socket, as: role)
                try socket.setRouterMandatory(true)
                try socket.setMaxMessageSize(maxMessageSize)
                try socket.setSendHighWaterMark(100_000)
                try socket.setReceiveHighWaterMark(100_000)
                try socket.bind(endpoint)
                return socket
            }
        }
        self.authenticator = authenticator
        do {
            clients = try router(.clients, configuration.clientEndpoint, maxMessageSize: configuration.clientFrameLimit)
            workers = try router(.workers, configuration.workerEndpoint, maxMessageSize: WireProtocol.transportMessageLimit)
            status = try make("status", configuration.statusEndpoint) { () throws(ZMQError) in
                let socket = try context.socket(.pub, linger: 0)
                try security?.secure(socket, as: .status)
                try socket.bind(configuration.statusEndpoint)
                return socket
            }
        } catch {
            authenticator?.stop()
            throw error
        }
        let clients = clients, workers = workers, status = status
        endpoints = CoordinatorEndpoints(
            client: ((try? clients.lastEndpoint) ?? nil) ?? configuration.clientEndpoint,
            worker: ((try? workers.lastEndpoint) ?? nil) ?? configuration.workerEndpoint,
            status: ((try? status.lastEndpoint) ?? nil) ?? configuration.statusEndpoint)
    }

    func close() {
        clients.close()
        workers.close()
        status.close()
        authenticator?.stop()
    }
}
