import Coordinator
import Foundation
import MagnusTestSupport
import Testing

@testable import Storage

/// What the log store does with the file at its path before trusting it.
@Suite struct JournalFileTests {
    func refusal(_ path: String) -> String? {
        do throws(StorageError) {
            let store = try LogStore(path: path, epoch: 0)
            try store.close()
            return nil
        } catch {
            guard case .unusableFile = error else { return "other error: \(error)" }
            return error.description
        }
    }

    @Test func anEmptyFileIsRefusedNotTurnedIntoAFreshStore() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/log.sqlite"
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let message = try #require(refusal(path))
            #expect(message.contains("empty (0 bytes)"))
            // Nothing was written over it.
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 0)
        }
    }

    @Test func aForeignFileIsRefused() throws {
        try withTemporaryDirectory { directory in
            let text = directory + "/notes.txt"
            #expect(FileManager.default.createFile(atPath: text, contents: Data("not a database at all".utf8)))
            #expect(try #require(refusal(text)).contains("not a SQLite database"))

            let other = directory + "/other.sqlite"
            let database = try SQLiteDatabase(path: other)
            try database.execute("CREATE TABLE invoices (id INTEGER)", [])
            try database.close()
            #expect(try #require(refusal(other)).contains("something else"))
        }
    }

    @Test func aNewStoreIsReadableByItsOwnerOnly() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/log.sqlite"
            try withStore(in: directory) { _ in }
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "mode \(String(mode, radix: 8))")
        }
    }

    @Test func aCleanStopAndACrashAreToldApartAndAMissingWALIsNoticed() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/log.sqlite"
            // A first run that closes cleanly.
            try withStore(in: directory) { _ in }
            let clean = try LogStore(path: path, epoch: 0)
            #expect(clean.recovery.previousRunStoppedCleanly == true && !clean.recovery.writeAheadLogMissing)
            try clean.journalAccepted(
                makeRequest("acked"), clientID: nil, prediction: LengthPrediction(expected: 5, upper: 9), at: 0)
            #expect(FileManager.default.fileExists(atPath: path + "-running"))
            // Copy the files as a crash would leave them (the store is still open), then close.
            let crashed = directory + "/crashed"
            try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
            for suffix in ["", "-wal", "-shm", "-running"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: crashed + "/log.sqlite" + suffix)
            }
            try clean.close()
            #expect(!FileManager.default.fileExists(atPath: path + "-running"))

            // After the crash, with its write-ahead log: unclean but complete.
            let withWAL = directory + "/with-wal"
            try FileManager.default.copyItem(atPath: crashed, toPath: withWAL)
            let recovered = try LogStore(path: withWAL + "/log.sqlite", epoch: 0)
            #expect(recovered.recovery.previousRunStoppedCleanly == false)
            #expect(!recovered.recovery.writeAheadLogMissing)
            #expect(recovered.recovery.unfinishedRequests == 1)
            try recovered.close()

            // After the crash with the -wal file removed: said so.
            try? FileManager.default.removeItem(atPath: crashed + "/log.sqlite-wal")
            try? FileManager.default.removeItem(atPath: crashed + "/log.sqlite-shm")
            let damaged = try LogStore(path: crashed + "/log.sqlite", epoch: 0)
            #expect(damaged.recovery.writeAheadLogMissing)
            #expect(damaged.recovery.previousRunStoppedCleanly == false)
            try damaged.close()
        }
    }
}
