/// A message of the status stream, with its topic.
public enum StatusMessage: Sendable, Hashable {
    case snapshot(StatusSnapshot)
    case event(StatusEvent)

    /// The topic frame it is published under.
    public var topic: StatusTopic {
        switch self {
        case .snapshot: .snapshot
        case .event: .event
        }
    }

    /// The two frames on the PUB socket: topic, then JSON.
    public var frames: [[UInt8]] {
        switch self {
        case .snapshot(let message): [Array(StatusTopic.snapshot.rawValue.utf8), WireCodec.encode(message)]
        case .event(let message): [Array(StatusTopic.event.rawValue.utf8), WireCodec.encode(message)]
        }
    }

    /// Decodes the frames received by a SUB socket.
    public static func decode(_ frames: [[UInt8]]) throws(MagnusError) -> StatusMessage {
        guard frames.count == 2 else {
            throw MagnusError(.malformedMessage, "a status message has 2 frames (topic, JSON), got \(frames.count)")
        }
        let payload = frames[1]
        switch try WireCodec.type(of: payload, maxBytes: WireProtocol.transportMessageLimit) {
        case StatusSnapshot.type: return .snapshot(try WireCodec.body(StatusSnapshot.self, from: payload))
        case StatusEvent.type: return .event(try WireCodec.body(StatusEvent.self, from: payload))
        case let other: throw MagnusError(.unknownType, "'\(other)' is not a status message")
        }
    }
}
