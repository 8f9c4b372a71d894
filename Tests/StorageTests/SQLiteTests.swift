import CSQLite
import Testing

@testable import Storage

@Suite struct SQLiteTests {
    @Test func opensInWALModeWithTheChosenSynchronousLevel() throws {
        try withTemporaryDirectory { directory in
            for level in SQLiteSynchronous.allCases {
                let database = try SQLiteDatabase(
                    path: directory + "/\(level).sqlite", configuration: SQLiteConfiguration(synchronous: level))
                #expect(try database.journalMode() == "wal")
                #expect(try database.scalarInt("PRAGMA synchronous") == (level == .full ? 2 : 1))
                #expect(try database.scalarInt("PRAGMA auto_vacuum") == 2, "incremental auto-vacuum on new files")
                try database.close()
                #expect(database.isClosed)
            }
        }
    }

    @Test func errorsKeepTheExtendedCodeTheMessageAndTheSQL() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/db.sqlite")
            defer { try? database.close() }
            try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            try database.execute("INSERT INTO t (id, name) VALUES (?, ?)", [1, "a"])
            let insert = "INSERT INTO t (id, name) VALUES (?, ?)"
            #expect {
                try database.execute(insert, [1, "b"])
            } throws: { error in
                guard let error = error as? SQLiteError else { return false }
                return error.resultCode == SQLITE_CONSTRAINT && error.extendedCode == SQLITE_CONSTRAINT | (6 << 8)  // SQLITE_CONSTRAINT_PRIMARYKEY
                    && error.isConstraintViolation && error.sql == insert && error.message.contains("UNIQUE")
            }
            #expect {
                try database.execute("SELECT nope FROM t", [])
            } throws: { error in
                (error as? SQLiteError)?.resultCode == SQLITE_ERROR
            }
        }
    }

    @Test func valuesRoundTripThroughEveryStorageClass() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/db.sqlite")
            defer { try? database.close() }
            try database.execute("CREATE TABLE v (x)")
            let values: [SQLiteValue] = [
                .null, .integer(Int64.min), .integer(Int64.max), .real(-0.25), .text(""), .text("声明 ünïcode \u{0}nul"),
                .blob([]), .blob([0, 1, 255]),
            ]
            for value in values { try database.execute("INSERT INTO v (x) VALUES (?)", [value]) }
            let read = try database.prepare("SELECT x FROM v ORDER BY rowid").query { $0.value(0) }
            // An empty blob is stored as a zero-length blob, not NULL; empty text stays text.
            #expect(read == values)
        }
    }

    @Test func transactionsCommitOrRollBackAsAWhole() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/db.sqlite")
            defer { try? database.close() }
            try database.execute("CREATE TABLE t (x INTEGER)")
            try database.transaction { () throws(SQLiteError) in
                try database.execute("INSERT INTO t VALUES (1)", [])
                try database.transaction { () throws(SQLiteError) in  // a savepoint
                    try database.execute("INSERT INTO t VALUES (2)", [])
                }
                // A failing nested transaction undoes only its own change.
                do {
                    try database.transaction { () throws(SQLiteError) in
                        try database.execute("INSERT INTO t VALUES (99)", [])
                        try database.execute("INSERT INTO nope VALUES (1)", [])
                    }
                    Issue.record("the nested transaction should have failed")
                } catch {}
                #expect(database.isInTransaction)
            }
            #expect(throws: SQLiteError.self) {
                try database.transaction { () throws(SQLiteError) in
                    try database.execute("INSERT INTO t VALUES (3)", [])
                    throw SQLiteError(extendedCode: SQLITE_ABORT, message: "test abort")
                }
            }
            #expect(!database.isInTransaction)
            #expect(try database.scalarText("SELECT group_concat(x) FROM t") == "1,2")
        }
    }

    @Test func closeRefusesWhileAStatementIsAliveAndSucceedsAfter() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/db.sqlite")
            var statement: SQLiteStatement? = try database.prepare("SELECT 1")
            #expect {
                try database.close()
            } throws: { error in
                (error as? SQLiteError)?.isBusy == true
            }
            #expect(!database.isClosed)
            _ = statement
            statement = nil
            try database.close()
            #expect(database.isClosed)
            try database.close()  // idempotent
        }
    }
}
