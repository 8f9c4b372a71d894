import Shared

/// Where a reply to a client goes: the client connection's routing id, and the empty
/// delimiter frames its socket put between that id and the payload (a REQ socket adds one,
/// a DEALER none), which the reply repeats.
public struct ClientEnvelope: Hashable, Sendable {
    public var client: RoutingID
    public var delimiters: Int

    public init(client: RoutingID, delimiters: Int = 0) {
        self.client = client
        self.delimiters = delimiters
    }

    /// The frames before the payload.
    public var frames: [[UInt8]] { [client.bytes] + Array(repeating: [], count: delimiters) }
}
