import Transport

/// A socket that could not be bound or connected, with the endpoint and its role.
public struct BindError: Error, CustomStringConvertible, Sendable {
    /// Which socket: `client`, `worker`, `status`...
    public var role: String
    public var endpoint: String
    public var error: ZMQError

    public init(role: String, endpoint: String, error: ZMQError) {
        self.role = role
        self.endpoint = endpoint
        self.error = error
    }

    public var description: String { "cannot bind the \(role) socket to \(endpoint): \(error)" }
}
