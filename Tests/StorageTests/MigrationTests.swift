import Coordinator
import MagnusTestSupport
import Shared
import Testing

@testable import Storage

@Suite struct MigrationTests {
    @Test func anEmptyFileMigratesToTheLatestSchemaAndReopeningAppliesNothing() throws {
        try withTemporaryDirectory { directory in
            let first = try withStore(in: directory) { (store) throws in
                #expect(try store.schemaVersion() == LogSchema.migrator.latestVersion)
                #expect(try store.journalMode() == "wal")
                #expect(store.run == 1)
                return store.recovery
            }
            #expect(first.migrationsApplied == Array(1...LogSchema.migrator.latestVersion))
            let second = try withStore(in: directory) { (store) throws in store.recovery }
            #expect(second.migrationsApplied.isEmpty)
            #expect(second.run == 2)

            let database = try SQLiteDatabase(path: directory + "/log.sqlite")
            defer { try? database.close() }
            let tables = try database.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
                .query { $0.text(0) }
            for table in ["batches", "log_counters", "models", "predictor_examples", "requests", "runs"] {
                #expect(tables.contains(table), "missing table \(table)")
            }
        }
    }

    @Test func aNewMigrationRunsOnceOnAnExistingFileAndKeepsItsRows() throws {
        try withTemporaryDirectory { directory in
            try withStore(in: directory) { (store) throws in
                try store.journalAccepted(
                    makeRequest("kept"), clientID: nil, prediction: LengthPrediction(expected: 5, upper: 9), at: 0)
            }
            let extended = Migrator(
                LogSchema.migrator.migrations + [
                    Migration(
                        version: LogSchema.migrator.latestVersion + 1, name: "add a note column",
                        sql: "ALTER TABLE requests ADD COLUMN note TEXT")
                ])
            let database = try SQLiteDatabase(path: directory + "/log.sqlite")
            defer { try? database.close() }
            let next = LogSchema.migrator.latestVersion + 1
            #expect(try extended.migrate(database) == [next])
            #expect(try extended.migrate(database) == [])
            #expect(try database.userVersion() == next)
            #expect(try database.scalarText("SELECT id FROM requests WHERE note IS NULL") == "kept")
        }
    }

    @Test func aFileFromANewerBuildIsRefused() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/log.sqlite")
            try database.setUserVersion(LogSchema.migrator.latestVersion + 1)
            try database.close()
            #expect {
                _ = try LogStore(path: directory + "/log.sqlite", epoch: 0)
            } throws: { error in
                guard case .incompatibleSchema(let found, let supported)? = error as? StorageError else { return false }
                return found == LogSchema.migrator.latestVersion + 1 && supported == LogSchema.migrator.latestVersion
            }
        }
    }

    @Test func aFailingMigrationLeavesTheVersionUnchanged() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/db.sqlite")
            defer { try? database.close() }
            let migrator = Migrator([
                Migration(version: 1, name: "ok", sql: "CREATE TABLE a (x)"),
                Migration(version: 2, name: "broken", sql: "CREATE TABLE b (y); CREATE TABLE a (x)"),
            ])
            #expect(throws: StorageError.self) { try migrator.migrate(database) }
            #expect(try database.userVersion() == 1)
            #expect(try database.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'b'") == 0)
        }
    }
}

/// Schema version 3: requests keep their client's routing identity.
@Suite struct ClientIdentityMigrationTests {
    @Test func aVersionTwoJournalGainsTheColumnsAndKeepsItsUnfinishedRows() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/log.sqlite"
            do {
                let database = try SQLiteDatabase(path: path)
                defer { try? database.close() }
                try Migrator(Array(LogSchema.migrator.migrations.prefix(2))).migrate(database)
                try database.execute(
                    """
                    INSERT INTO requests (id, client_id, application, instruction, input, input_tokens, max_new_tokens,
                        arrival, accepted_at, accepted_run, predicted_tokens, predicted_upper)
                    VALUES ('old', 'load-1', 'app', 'Do:', 'x', 3, 8, 1700000000, 1700000000, 1, 4, 6)
                    """)
            }
            try withStore(in: directory) { (store) throws in
                #expect(store.recovery.migrationsApplied == [3])
                let recovered = try store.unfinishedJournalled()
                #expect(recovered.map(\.request.id) == [RequestID("old")])
                #expect(recovered.first?.envelope == nil, "a row from before version 3 has no identity")

                let identity: [UInt8] = [0, 0xff, 0x41, 7]
                try store.journalAccepted(
                    makeRequest("new", arrival: 5), clientID: "0x00ff4107",
                    client: ClientEnvelope(client: RoutingID(identity), delimiters: 1),
                    prediction: LengthPrediction(expected: 5, upper: 9), at: 5)
                let both = try store.unfinishedJournalled()
                #expect(both.map(\.request.id) == [RequestID("old"), RequestID("new")])
                #expect(both.last?.envelope == ClientEnvelope(client: RoutingID(identity), delimiters: 1))
                #expect(try store.journalEntry(RequestID("new"))?.clientID == "0x00ff4107")
            }
        }
    }
}
