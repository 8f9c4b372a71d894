extension CoordinatorConfiguration {
    /// The endpoints that accept connections from beyond this machine while no CURVE key is
    /// set: anyone who can reach them may submit, register a worker or read the status.
    /// Loopback (`127.x`, `localhost`, `[::1]`) and `ipc://`/`inproc://` endpoints are not listed.
    public var endpointsExposedWithoutAuthentication: [String] {
        guard curveSecretKeyFile == nil else { return [] }
        return [clientEndpoint, workerEndpoint, statusEndpoint].filter(Self.reachesBeyondThisMachine)
    }

    /// Whether a bind endpoint listens beyond loopback.
    static func reachesBeyondThisMachine(_ endpoint: String) -> Bool {
        let lower = endpoint.lowercased()
        guard lower.hasPrefix("tcp://") else { return false }
        let address = lower.dropFirst("tcp://".count)
        let host = address.hasPrefix("[") ? String(address.prefix { $0 != "]" }.dropFirst()) : String(address.prefix { $0 != ":" })
        if host == "localhost" || host == "::1" || host.hasPrefix("127.") { return false }
        return true
    }
}
