import Coordinator
import ServiceSupport
import Shared

extension CoordinatorConfiguration {
    /// `ZMQ_MAXMSGSIZE` of the client socket: `maxFrameBytes`, or 8 MiB or twice
    /// `runtime.maxPayloadBytes` (whichever is larger), within the transport limit.
    public var clientFrameLimit: Int {
        maxFrameBytes ?? min(WireProtocol.transportMessageLimit, max(8 << 20, 2 * runtime.maxPayloadBytes))
    }
}
