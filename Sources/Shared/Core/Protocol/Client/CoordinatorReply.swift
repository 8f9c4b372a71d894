/// Every message the coordinator sends on its client socket.
public enum CoordinatorReply: Sendable, Hashable {
    case accepted(AcceptedMessage)
    case result(ResultMessage)
    case error(ErrorMessage)
    case cancelled(CancelledMessage)
    case pong(PongMessage)
    /// New text of a running request the client asked to stream; never final.
    case partial(PartialMessage)

    /// The message as one JSON frame.
    public var payload: [UInt8] {
        switch self {
        case .accepted(let message): WireCodec.encode(message)
        case .result(let message): WireCodec.encode(message)
        case .error(let message): WireCodec.encode(message)
        case .cancelled(let message): WireCodec.encode(message)
        case .pong(let message): WireCodec.encode(message)
        case .partial(let message): WireCodec.encode(message)
        }
    }

    /// The message's `"type"`.
    public var type: String {
        switch self {
        case .accepted: AcceptedMessage.type
        case .result: ResultMessage.type
        case .error: ErrorMessage.type
        case .cancelled: CancelledMessage.type
        case .pong: PongMessage.type
        case .partial: PartialMessage.type
        }
    }

    /// The request the reply concerns, if any.
    public var requestID: RequestID? {
        switch self {
        case .accepted(let message): message.id
        case .result(let message): message.id
        case .error(let message): message.id
        case .cancelled(let message): message.id
        case .pong: nil
        case .partial(let message): message.id
        }
    }

    /// Whether this is the last word on its request: a result, an error naming the request
    /// (except `duplicate_id`, which refuses only the conflicting resubmission while the
    /// original goes on), or a successful cancellation.
    public var isFinal: Bool {
        switch self {
        case .result: true
        case .error(let message): message.id != nil && message.code != .duplicateID
        case .cancelled(let message): message.cancelled
        case .accepted, .pong, .partial: false
        }
    }

    /// Decodes a coordinator frame received by a client.
    public static func decode(_ payload: [UInt8], maxBytes: Int = WireProtocol.transportMessageLimit) throws(MagnusError) -> CoordinatorReply {
        switch try WireCodec.type(of: payload, maxBytes: maxBytes) {
        case AcceptedMessage.type: .accepted(try WireCodec.body(AcceptedMessage.self, from: payload))
        case ResultMessage.type: .result(try WireCodec.body(ResultMessage.self, from: payload))
        case ErrorMessage.type: .error(try WireCodec.body(ErrorMessage.self, from: payload))
        case CancelledMessage.type: .cancelled(try WireCodec.body(CancelledMessage.self, from: payload))
        case PongMessage.type: .pong(try WireCodec.body(PongMessage.self, from: payload))
        case PartialMessage.type: .partial(try WireCodec.body(PartialMessage.self, from: payload))
        case let other: throw MagnusError(.unknownType, "'\(other)' is not a coordinator reply")
        }
    }
}
