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

    /// Whether the client chose its routing id (`ZMQ_ROUTING_ID`). Ids ZeroMQ's ROUTER makes up
    /// for a peer that set none start with a zero byte (reserved for it) and name only that
    /// connection: another process's ROUTER may give the same id to another client, so a
    /// recovered request is answered only to an id the client chose.
    public var outlivesConnection: Bool { client.bytes.first.map { $0 != 0 } ?? false }

    /// The frames before the payload.
    public var frames: [[UInt8]] { [client.bytes] + Array(repeating: [], count: delimiters) }
}
