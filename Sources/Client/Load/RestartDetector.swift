import Shared

/// Tells from the replies a client receives when the coordinator behind them restarted: the
/// incarnation id every reply carries changed (docs/protocol.md). For a coordinator that
/// sends none, a `pong` whose `uptime` is below the previous one's (which misses a restart
/// whose new uptime has already passed the last one seen).
public struct RestartDetector: Sendable {
    /// The incarnation of the latest reply that carried one.
    public private(set) var incarnation: String?
    private var lastUptime = -1.0

    public init() {}

    /// Files one reply.
    /// - Returns: true when it comes from a coordinator that restarted since the previous replies.
    public mutating func observe(_ reply: CoordinatorReply) -> Bool {
        if let seen = reply.incarnation {
            defer { incarnation = seen }
            if case .pong(let pong) = reply { lastUptime = pong.uptime }
            return incarnation != nil && incarnation != seen
        }
        guard case .pong(let pong) = reply else { return false }
        defer { lastUptime = pong.uptime }
        return pong.uptime < lastUptime
    }
}
