import ServiceSupport
import Transport

/// Why a request to the engine process got no reply. Each one means the process can no longer
/// be trusted with the next request: the caller ends it and starts a new one.
enum EngineChannelFailure: Error, Sendable, CustomStringConvertible {
    /// No reply within the time allowed.
    case timedOut(seconds: Double)
    /// The process ended while the request was outstanding (how it ended).
    case processEnded(String)
    /// The socket failed.
    case transport(ZMQError)

    var description: String {
        switch self {
        case .timedOut(let seconds): "no reply within \(Self.format(seconds)) s"
        case .processEnded(let how): "the engine process \(how)"
        case .transport(let error): "socket error: \(error)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
