/// How often SQLite waits for the disk (`PRAGMA synchronous`), in WAL mode.
public enum SQLiteSynchronous: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every commit syncs the write-ahead log: a committed transaction survives a process
    /// crash and a power loss or kernel panic.
    case full
    /// The log is synced only at checkpoints: a committed transaction survives a process
    /// crash (kill -9) but the last commits may roll back after a power loss.
    case normal

    var pragmaValue: String {
        switch self {
        case .full: "FULL"
        case .normal: "NORMAL"
        }
    }
}
