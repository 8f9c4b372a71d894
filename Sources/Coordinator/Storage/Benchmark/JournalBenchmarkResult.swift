/// One measurement of the durable accept path.
public struct JournalBenchmarkResult: Sendable, Hashable, CustomStringConvertible {
    public var synchronous: SQLiteSynchronous
    /// Accepts journalled per transaction (1 = one commit, one WAL sync, per accept).
    public var perTransaction: Int
    public var requests: Int
    public var seconds: Double
    /// The slowest commit (a whole `write` of `perTransaction` accepts), in seconds.
    public var maxCommitSeconds: Double

    public var acceptsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : .infinity }

    public var description: String {
        let rate = Int(acceptsPerSecond.rounded())
        let slowest = (maxCommitSeconds * 1e6).rounded() / 1e3
        let elapsed = (seconds * 1_000).rounded() / 1_000
        return
            "synchronous=\(synchronous.rawValue) batch=\(perTransaction): \(rate) accepts/s (\(requests) in \(elapsed) s, slowest commit \(slowest) ms)"
    }
}
