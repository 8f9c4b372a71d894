/// Every message a client sends to the coordinator's client socket.
public enum ClientMessage: Sendable, Hashable {
    case submit(SubmitMessage)
    case cancel(CancelMessage)
    case ping(PingMessage)

    /// The message as one JSON frame.
    public var payload: [UInt8] {
        switch self {
        case .submit(let message): WireCodec.encode(message)
        case .cancel(let message): WireCodec.encode(message)
        case .ping(let message): WireCodec.encode(message)
        }
    }

    /// Decodes a client frame.
    /// - Throws: `MagnusError` with a protocol code; `unknown_type` for a type that is not a
    ///   client message.
    ///   Fields the message type does not know are refused (`malformed_message`).
    public static func decode(_ payload: [UInt8], maxBytes: Int = WireProtocol.defaultMaxPayloadBytes) throws(MagnusError) -> ClientMessage {
        switch try WireCodec.type(of: payload, maxBytes: maxBytes) {
        case SubmitMessage.type: .submit(try WireCodec.strictBody(SubmitMessage.self, from: payload))
        case CancelMessage.type: .cancel(try WireCodec.strictBody(CancelMessage.self, from: payload))
        case PingMessage.type: .ping(try WireCodec.strictBody(PingMessage.self, from: payload))
        case let other: throw MagnusError(.unknownType, "'\(other)' is not a client message (submit, cancel, ping)")
        }
    }
}
