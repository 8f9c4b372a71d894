/// How a transaction takes its locks (`BEGIN DEFERRED | IMMEDIATE | EXCLUSIVE`).
public enum SQLiteTransactionKind: String, Sendable, Hashable {
    /// Locks on first read or write; a later write may fail with SQLITE_BUSY.
    case deferred = "DEFERRED"
    /// Takes the write lock at BEGIN (waiting up to the busy timeout): the right choice for
    /// transactions that write.
    case immediate = "IMMEDIATE"
    /// Like immediate; in WAL mode the same.
    case exclusive = "EXCLUSIVE"
}
