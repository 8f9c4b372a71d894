/// The coordinator's sockets that CURVE can guard, each with its own ZAP domain and allowlist.
public enum SecuredSocket: String, Sendable, Hashable, CaseIterable {
    case clients
    case workers
    case status

    /// The `ZMQ_ZAP_DOMAIN` the socket sets, so the handler knows which allowlist applies.
    public var zapDomain: String { rawValue }
}
