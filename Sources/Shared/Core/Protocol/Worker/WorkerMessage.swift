/// Every message a worker sends to the coordinator's worker socket.
public enum WorkerMessage: Sendable, Hashable {
    case hello(HelloMessage)
    case ready(ReadyMessage)
    case heartbeat(HeartbeatMessage)
    case result(BatchResultMessage)
    case outOfMemory(OutOfMemoryMessage)
    case fault(FaultMessage)
    case goodbye(GoodbyeMessage)
    /// Continuous workers: tokens so far of running admissions.
    case progress(ProgressMessage)
    /// Continuous workers: an admission's cache was freed before it finished.
    case preempted(PreemptedMessage)

    /// The message as one JSON frame.
    public var payload: [UInt8] {
        switch self {
        case .hello(let message): WireCodec.encode(message)
        case .ready(let message): WireCodec.encode(message)
        case .heartbeat(let message): WireCodec.encode(message)
        case .result(let message): WireCodec.encode(message)
        case .outOfMemory(let message): WireCodec.encode(message)
        case .fault(let message): WireCodec.encode(message)
        case .goodbye(let message): WireCodec.encode(message)
        case .progress(let message): WireCodec.encode(message)
        case .preempted(let message): WireCodec.encode(message)
        }
    }

    /// Decodes a worker frame.
    /// - Throws: `MagnusError` with a protocol code; `unknown_type` for a type that is not a
    ///   worker message.
    ///   Fields the message type does not know are refused (`malformed_message`).
    public static func decode(_ payload: [UInt8], maxBytes: Int = WireProtocol.transportMessageLimit) throws(MagnusError) -> WorkerMessage {
        switch try WireCodec.type(of: payload, maxBytes: maxBytes) {
        case HelloMessage.type: .hello(try WireCodec.strictBody(HelloMessage.self, from: payload))
        case ReadyMessage.type: .ready(try WireCodec.strictBody(ReadyMessage.self, from: payload))
        case HeartbeatMessage.type: .heartbeat(try WireCodec.strictBody(HeartbeatMessage.self, from: payload))
        case BatchResultMessage.type: .result(try WireCodec.strictBody(BatchResultMessage.self, from: payload))
        case OutOfMemoryMessage.type: .outOfMemory(try WireCodec.strictBody(OutOfMemoryMessage.self, from: payload))
        case FaultMessage.type: .fault(try WireCodec.strictBody(FaultMessage.self, from: payload))
        case GoodbyeMessage.type: .goodbye(try WireCodec.strictBody(GoodbyeMessage.self, from: payload))
        case ProgressMessage.type: .progress(try WireCodec.strictBody(ProgressMessage.self, from: payload))
        case PreemptedMessage.type: .preempted(try WireCodec.strictBody(PreemptedMessage.self, from: payload))
        case let other:
            throw MagnusError(.unknownType, "'\(other)' is not a worker message (hello, ready, heartbeat, result, oom, fault, goodbye, progress, preempted)")
        }
    }
}
