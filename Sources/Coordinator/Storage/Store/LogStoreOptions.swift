/// How the log store opens its database.
public struct LogStoreOptions: Sendable, Hashable {
    /// `.full` (default): an accepted request survives power loss as well as kill -9, at the
    /// cost of one WAL fsync per commit — batch accepts with `LogStore.write` to amortize it.
    /// `.normal`: survives a process crash only.
    public var synchronous: SQLiteSynchronous
    /// How long a write waits for another connection (e.g. an inspecting CLI) to let go.
    public var busyTimeoutMilliseconds: Int32

    public init(synchronous: SQLiteSynchronous = .full, busyTimeoutMilliseconds: Int32 = 5_000) {
        self.synchronous = synchronous
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    }
}
