/// How `SQLiteDatabase` opens a file.
public struct SQLiteConfiguration: Sendable, Hashable {
    /// `PRAGMA synchronous` (the file is always in WAL mode).
    public var synchronous: SQLiteSynchronous
    /// How long a call waits for another connection's lock before failing with SQLITE_BUSY.
    public var busyTimeoutMilliseconds: Int32
    /// Open read-only (no journal-mode change, no writes).
    public var readOnly: Bool
    /// Pages in the write-ahead log after which a commit checkpoints it (0 = never).
    public var walAutocheckpointPages: Int
    /// Create new files with `auto_vacuum = INCREMENTAL`, so that `incrementalVacuum`
    /// can give pages freed by deletes back to the file system. (SQLite only honours this
    /// before the first table exists and before WAL mode is set.)
    public var incrementalAutoVacuum: Bool

    public init(
        synchronous: SQLiteSynchronous = .full, busyTimeoutMilliseconds: Int32 = 5_000, readOnly: Bool = false,
        walAutocheckpointPages: Int = 1_000, incrementalAutoVacuum: Bool = true
    ) {
        self.synchronous = synchronous
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.readOnly = readOnly
        self.walAutocheckpointPages = walAutocheckpointPages
        self.incrementalAutoVacuum = incrementalAutoVacuum
    }
}
