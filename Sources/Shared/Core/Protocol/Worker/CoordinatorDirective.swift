/// Every message the coordinator sends on its worker socket.
public enum CoordinatorDirective: Sendable, Hashable {
    case welcome(WelcomeMessage)
    case batch(BatchMessage)
    case error(ErrorMessage)

    /// The message as one JSON frame.
    public var payload: [UInt8] {
        switch self {
        case .welcome(let message): WireCodec.encode(message)
        case .batch(let message): WireCodec.encode(message)
        case .error(let message): WireCodec.encode(message)
        }
    }

    /// Decodes a coordinator frame received by a worker.
    public static func decode(_ payload: [UInt8], maxBytes: Int = WireProtocol.transportMessageLimit) throws(MagnusError) -> CoordinatorDirective {
        switch try WireCodec.type(of: payload, maxBytes: maxBytes) {
        case WelcomeMessage.type: .welcome(try WireCodec.body(WelcomeMessage.self, from: payload))
        case BatchMessage.type: .batch(try WireCodec.body(BatchMessage.self, from: payload))
        case ErrorMessage.type: .error(try WireCodec.body(ErrorMessage.self, from: payload))
        case let other: throw MagnusError(.unknownType, "'\(other)' is not a coordinator-to-worker message")
        }
    }
}
