import Shared

/// What the coordinator runtime asks its shell to do: send, publish or log.
public enum CoordinatorOutput: Sendable, Hashable {
    /// Send `reply` on the client socket behind `envelope` (routing id and delimiters).
    case client(envelope: ClientEnvelope, reply: CoordinatorReply)
    /// Send `directive` on the worker socket to the worker with `routingID`.
    case worker(routingID: RoutingID, directive: CoordinatorDirective)
    /// Publish on the status socket.
    case status(StatusMessage)
    /// Write a log line.
    case log(LogLevel, String)
    /// Record a change in the log store before this poll iteration's client replies go out.
    case journal(JournalRecord)

    /// The multipart message for the socket it goes to; nil for a log line.
    public var frames: [[UInt8]]? {
        switch self {
        case .client(let envelope, let reply): envelope.frames + [reply.payload]
        case .worker(let routingID, let directive): [routingID.bytes, directive.payload]
        case .status(let message): message.frames
        case .log, .journal: nil
        }
    }
}
