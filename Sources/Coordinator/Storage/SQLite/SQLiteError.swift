import CSQLite

/// A failed SQLite call: the primary result code, the extended code, SQLite's message and
/// the SQL that failed (when there was one), as GRDB's `DatabaseError` keeps them.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The extended result code (e.g. `SQLITE_CONSTRAINT_PRIMARYKEY`); its low byte is the
    /// primary code.
    public let extendedCode: Int32
    /// SQLite's message at the time of the failure (`sqlite3_errmsg`) or ours.
    public let message: String
    /// The statement that failed, if the failure came from one.
    public let sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, ...).
    public var resultCode: Int32 { extendedCode & 0xFF }

    /// SQLite's English name of the result code, e.g. "database is locked".
    public var codeDescription: String { String(cString: sqlite3_errstr(extendedCode)) }

    /// Another connection held a lock for longer than the busy timeout.
    public var isBusy: Bool { resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED }
    /// A UNIQUE, CHECK, NOT NULL or other constraint refused the change.
    public var isConstraintViolation: Bool { resultCode == SQLITE_CONSTRAINT }

    public var description: String {
        var text = "SQLite error \(extendedCode) (\(codeDescription)): \(message)"
        if let sql { text += " — in: \(sql)" }
        return text
    }

    /// The error for `code` on `handle`, reading the connection's current message.
    static func from(_ code: Int32, handle: OpaquePointer?, sql: String? = nil) -> SQLiteError {
        let extended = handle.map { sqlite3_extended_errcode($0) } ?? code
        // The connection's extended code belongs to this failure only when their primary codes agree.
        let chosen = (extended & 0xFF) == (code & 0xFF) ? extended : code
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        return SQLiteError(extendedCode: chosen, message: message, sql: sql)
    }
}
