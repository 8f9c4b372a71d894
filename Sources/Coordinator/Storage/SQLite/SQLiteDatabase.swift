import CSQLite

/// One SQLite connection: owns the `sqlite3` handle from `init` until `close()`.
///
/// Opens in WAL mode with a busy timeout and the configured `synchronous` level, extended
/// result codes and double-quoted string literals disabled. Close it explicitly: `deinit`
/// asserts that `close()` ran (as GRDB's `Database` does) and only then closes as a last
/// resort. Not `Sendable`: one serial owner (a dedicated thread or serial queue) uses it, so
/// blocking disk waits never sit on Swift's shared task threads.
public final class SQLiteDatabase {
    private var handle: OpaquePointer?
    /// The file this connection opened.
    public let path: String
    public let configuration: SQLiteConfiguration
    /// Prepared statements reused by `cachedStatement`, finalized by `close()`.
    private var statementCache: [String: SQLiteStatement] = [:]
    /// Open `transaction` calls, naming nested savepoints.
    private var savepointDepth = 0

    /// Opens (creating if needed) the database at `path`.
    public init(path: String, configuration: SQLiteConfiguration = .init()) throws(SQLiteError) {
        self.path = path
        self.configuration = configuration
        var connection: OpaquePointer?
        let flags =
            (configuration.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let error = SQLiteError.from(code, handle: connection)
            sqlite3_close(connection)
            throw error
        }
        handle = connection
        do {
            try configure(connection)
        } catch {
            statementCache.removeAll()
            sqlite3_close(connection)
            handle = nil
            throw error
        }
    }

    private func configure(_ connection: OpaquePointer) throws(SQLiteError) {
        sqlite3_extended_result_codes(connection, 1)
        try check(sqlite3_busy_timeout(connection, configuration.busyTimeoutMilliseconds))
        // String literals are single-quoted; "x" is always an identifier.
        try check(magnus_sqlite_db_config_flag(connection, SQLITE_DBCONFIG_DQS_DML, 0, nil))
        try check(magnus_sqlite_db_config_flag(connection, SQLITE_DBCONFIG_DQS_DDL, 0, nil))
        guard !configuration.readOnly else { return }
        // A no-op on files that already have tables.
        if configuration.incrementalAutoVacuum { try execute("PRAGMA auto_vacuum = INCREMENTAL") }
        let mode = try scalarText("PRAGMA journal_mode = WAL")
        guard mode == "wal" || path == ":memory:" || path.isEmpty else {
            throw SQLiteError(
                extendedCode: SQLITE_CANTOPEN, message: "could not switch \(path) to WAL mode (got \(mode))")
        }
        try execute("PRAGMA synchronous = \(configuration.synchronous.pragmaValue)")
        try execute("PRAGMA wal_autocheckpoint = \(configuration.walAutocheckpointPages)")
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit {
        assert(handle == nil, "SQLiteDatabase(\(path)) deinitialized without close()")
        if let handle {
            statementCache.removeAll()
            sqlite3_close_v2(handle)
        }
    }

    /// Finalizes cached statements and closes the connection. Idempotent.
    /// - Throws: SQLITE_BUSY when statements from `prepare` are still alive; the connection
    ///   then stays open.
    public func close() throws(SQLiteError) {
        guard let handle else { return }
        statementCache.removeAll()
        let code = sqlite3_close(handle)
        guard code == SQLITE_OK else { throw SQLiteError.from(code, handle: handle) }
        self.handle = nil
    }

    /// Whether `close()` has run.
    public var isClosed: Bool { handle == nil }

    private var connection: OpaquePointer {
        guard let handle else { preconditionFailure("SQLiteDatabase(\(path)) used after close()") }
        return handle
    }

    private func check(_ code: Int32, sql: String? = nil) throws(SQLiteError) {
        guard code == SQLITE_OK else { throw SQLiteError.from(code, handle: handle, sql: sql) }
    }

    // MARK: - Statements

    /// Compiles one SQL statement.
    /// - Precondition: `sql` holds exactly one statement.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try prepare(sql, flags: 0)
    }

    private func prepare(_ sql: String, flags: UInt32) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let code = sql.withCString { text in
            let result = sqlite3_prepare_v3(connection, text, -1, flags, &statement, &tail)
            if result == SQLITE_OK, let tail {
                let rest = String(cString: tail)
                precondition(rest.allSatisfy(\.isWhitespace), "more than one statement in: \(sql)")
            }
            return result
        }
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw SQLiteError.from(code == SQLITE_OK ? SQLITE_MISUSE : code, handle: handle, sql: sql)
        }
        return SQLiteStatement(handle: statement, sql: sql)
    }

    /// A prepared statement kept for reuse, keyed by its SQL text.
    /// - Complexity: O(1) after the first call for a given text.
    public func cachedStatement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statementCache[sql] { return statement }
        let statement = try prepare(sql, flags: UInt32(SQLITE_PREPARE_PERSISTENT))
        statementCache[sql] = statement
        return statement
    }

    /// Runs one statement (cached) with `values` bound to its parameters.
    public func execute(_ sql: String, _ values: [SQLiteValue]) throws(SQLiteError) {
        try cachedStatement(sql).execute(values)
    }

    /// Runs a script of one or more statements without parameters (schema changes, pragmas).
    public func execute(_ script: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(connection, script, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(connection), message: text, sql: script)
        }
    }

    /// The first column of the first row, as text ("" when there is no row).
    public func scalarText(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> String {
        try prepare(sql).queryFirst(values) { $0.text(0) } ?? ""
    }

    /// The first column of the first row, as an integer (nil when there is no row or NULL).
    public func scalarInt(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int? {
        try cachedStatement(sql).queryFirst(values) { $0.optionalInt(0) } ?? nil
    }

    // MARK: - State

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(connection)) }
    /// Rowid of the last successful INSERT.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(connection) }
    /// Whether a transaction is open (the connection is not in autocommit mode).
    public var isInTransaction: Bool { sqlite3_get_autocommit(connection) == 0 }

    /// `PRAGMA user_version`: the schema version the migrator keeps.
    public func userVersion() throws(SQLiteError) -> Int {
        try scalarInt("PRAGMA user_version") ?? 0
    }

    public func setUserVersion(_ version: Int) throws(SQLiteError) {
        try execute("PRAGMA user_version = \(version)")
    }

    /// The journal mode in force ("wal" once opened read-write).
    public func journalMode() throws(SQLiteError) -> String {
        try scalarText("PRAGMA journal_mode")
    }

    /// Copies the write-ahead log into the database and truncates it (e.g. after pruning).
    public func checkpoint() throws(SQLiteError) {
        try check(sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil))
    }

    /// Returns up to `pages` free pages to the file system (all with nil); needs a file
    /// created with `incrementalAutoVacuum`, otherwise it does nothing.
    public func incrementalVacuum(pages: Int? = nil) throws(SQLiteError) {
        try execute("PRAGMA incremental_vacuum\(pages.map { "(\($0))" } ?? "")")
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    /// Inside an open transaction `body` runs in a savepoint instead: a failure undoes only
    /// its own changes, and the outermost transaction decides what is committed.
    public func transaction<T, E: Error>(
        _ kind: SQLiteTransactionKind = .immediate, mapError: (SQLiteError) -> E, _ body: () throws(E) -> T
    ) throws(E) -> T {
        let savepoint = isInTransaction ? "magnus_savepoint_\(savepointDepth)" : nil
        let begin = savepoint.map { "SAVEPOINT \($0)" } ?? "BEGIN \(kind.rawValue) TRANSACTION"
        let commit = savepoint.map { "RELEASE \($0)" } ?? "COMMIT TRANSACTION"
        do {
            try execute(begin)
        } catch {
            throw mapError(error)
        }
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let result: T
        do {
            result = try body()
        } catch {
            undo(savepoint)
            throw error
        }
        do {
            try execute(commit)
        } catch {
            undo(savepoint)
            throw mapError(error)
        }
        return result
    }

    /// `transaction(_:mapError:_:)` for bodies that throw `SQLiteError`.
    public func transaction<T>(
        _ kind: SQLiteTransactionKind = .immediate, _ body: () throws(SQLiteError) -> T
    ) throws(SQLiteError) -> T {
        try transaction(kind, mapError: { $0 }, body)
    }

    /// Rolls back a savepoint or the whole transaction, ignoring failures (a failed COMMIT
    /// may already have rolled back).
    private func undo(_ savepoint: String?) {
        guard isInTransaction else { return }
        if let savepoint {
            sqlite3_exec(connection, "ROLLBACK TO \(savepoint); RELEASE \(savepoint)", nil, nil, nil)
        } else {
            sqlite3_exec(connection, "ROLLBACK TRANSACTION", nil, nil, nil)
        }
    }
}

@available(*, unavailable, message: "a connection belongs to one serial owner")
extension SQLiteDatabase: Sendable {}
