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
        // Client messages are flat: their top-level field names, read with the header, are all
        // there is to check, which keeps the hot submit path at one lenient decode.
        let header = try WireCodec.header(of: payload, maxBytes: maxBytes)
        return switch header.type {
        case SubmitMessage.type: .submit(try WireCodec.flatBody(SubmitMessage.self, from: payload, fields: header.fields))
        case CancelMessage.type: .cancel(try WireCodec.flatBody(CancelMessage.self, from: payload, fields: header.fields))
        case PingMessage.type: .ping(try WireCodec.flatBody(PingMessage.self, from: payload, fields: header.fields))
        case let other: throw MagnusError(.unknownType, "'\(other)' is not a client message (submit, cancel, ping)")
        }
    }
}
