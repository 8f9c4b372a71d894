import CSQLite

/// One prepared statement: owns its `sqlite3_stmt` and finalizes it in `deinit`.
///
/// Bind parameters (1-based, as SQLite counts them), then `step()` through the rows and read
/// columns (0-based). Not `Sendable`: it belongs to its connection's serial owner, and every
/// statement must be gone before `SQLiteDatabase.close()`.
public final class SQLiteStatement {
    private let handle: OpaquePointer
    /// The SQL text, for error reports.
    public let sql: String

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private var connection: OpaquePointer? { sqlite3_db_handle(handle) }

    private func check(_ code: Int32) throws(SQLiteError) {
        guard code == SQLITE_OK else { throw SQLiteError.from(code, handle: connection, sql: sql) }
    }

    // MARK: - Binding

    /// Number of `?` parameters.
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    /// Binds one parameter; `index` counts from 1.
    public func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        switch value {
        case .null:
            try check(sqlite3_bind_null(handle, index))
        case .integer(let number):
            try check(sqlite3_bind_int64(handle, index, number))
        case .real(let number):
            try check(sqlite3_bind_double(handle, index, number))
        case .text(let text):
            var text = text
            let code = text.withUTF8 { bytes -> Int32 in
                // An empty buffer may have no base address, and a NULL pointer would bind NULL.
                guard let base = bytes.baseAddress, bytes.count > 0 else {
                    return sqlite3_bind_text(handle, index, "", 0, magnus_sqlite_transient())
                }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite3_bind_text(handle, index, $0, Int32(bytes.count), magnus_sqlite_transient())
                }
            }
            try check(code)
        case .blob(let bytes):
            let code = bytes.withUnsafeBytes { buffer -> Int32 in
                guard let base = buffer.baseAddress, buffer.count > 0 else {
                    return sqlite3_bind_zeroblob(handle, index, 0)
                }
                return sqlite3_bind_blob(handle, index, base, Int32(buffer.count), magnus_sqlite_transient())
            }
            try check(code)
        }
    }

    /// Clears old bindings and binds `values` to parameters 1, 2, ...
    /// - Precondition: as many values as parameters.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        precondition(
            values.count == parameterCount, "\(values.count) values for \(parameterCount) parameters in: \(sql)")
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    // MARK: - Running

    /// Runs to the next row.
    /// - Returns: true when a row is ready to read, false when the statement is done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw SQLiteError.from(code, handle: connection, sql: sql)
        }
    }

    /// Rewinds the statement so it can run again (bindings stay).
    public func reset() {
        // The error of a failed step was already thrown by `step`; reset only repeats it.
        sqlite3_reset(handle)
    }

    /// Resets, binds `values` and runs to completion, ignoring rows.
    public func execute(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        reset()
        defer { reset() }
        try bind(values)
        while try step() {}
    }

    /// Resets, binds `values`, and maps every row with `row`.
    /// - Complexity: O(rows).
    public func query<T>(_ values: [SQLiteValue] = [], row: (SQLiteStatement) throws(SQLiteError) -> T)
        throws(SQLiteError) -> [T]
    {
        reset()
        defer { reset() }
        try bind(values)
        var rows: [T] = []
        while try step() { rows.append(try row(self)) }
        return rows
    }

    /// The first row mapped with `row`, or nil when there is none.
    public func queryFirst<T>(_ values: [SQLiteValue] = [], row: (SQLiteStatement) throws(SQLiteError) -> T)
        throws(SQLiteError) -> T?
    {
        reset()
        defer { reset() }
        try bind(values)
        return try step() ? try row(self) : nil
    }

    // MARK: - Columns (0-based)

    /// Columns in a result row.
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column as an integer (0 for NULL).
    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    /// The column as UTF-8 text ("" for NULL).
    public func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The column's bytes ([] for NULL).
    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    public func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    public func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// The column as whatever storage class it holds.
    public func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: .integer(int64(column))
        case SQLITE_FLOAT: .real(double(column))
        case SQLITE_TEXT: .text(text(column))
        case SQLITE_BLOB: .blob(blob(column))
        default: .null
        }
    }
}

@available(*, unavailable, message: "a statement belongs to its connection's serial owner")
extension SQLiteStatement: Sendable {}
