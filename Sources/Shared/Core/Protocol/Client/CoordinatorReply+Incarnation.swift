extension CoordinatorReply {
    /// The coordinator incarnation that sent the reply, when it said (docs/protocol.md).
    public var incarnation: String? {
        switch self {
        case .accepted(let message): message.incarnation
        case .result(let message): message.incarnation
        case .error(let message): message.incarnation
        case .cancelled(let message): message.incarnation
        case .pong(let message): message.incarnation
        case .partial(let message): message.incarnation
        }
    }

    /// The same reply sent by `incarnation` (nil leaves it as it is).
    public func stamped(_ incarnation: String?) -> CoordinatorReply {
        guard let incarnation else { return self }
        switch self {
        case .accepted(var message):
            message.incarnation = incarnation
            return .accepted(message)
        case .result(var message):
            message.incarnation = incarnation
            return .result(message)
        case .error(var message):
            message.incarnation = incarnation
            return .error(message)
        case .cancelled(var message):
            message.incarnation = incarnation
            return .cancelled(message)
        case .pong(var message):
            message.incarnation = incarnation
            return .pong(message)
        case .partial(var message):
            message.incarnation = incarnation
            return .partial(message)
        }
    }
}
