import Transport

/// A socket that could not be bound or connected, with the endpoint and its role.
public struct BindError: Error, CustomStringConvertible, Sendable {
    /// Which socket: `client`, `worker`, `status`...
    public var role: String
    public var endpoint: String
    public var error: ZMQError
    /// What went wrong when it was not libzmq (an unusable key file, say).
    public var detail: String?

    public init(role: String, endpoint: String, error: ZMQError, detail: String? = nil) {
        self.role = role
        self.endpoint = endpoint
        self.error = error
        self.detail = detail
    }

    public var description: String {
        if let detail { return "cannot set up the \(role) socket: \(detail)" }
        return "cannot bind the \(role) socket to \(endpoint): \(error)"
    }
}
