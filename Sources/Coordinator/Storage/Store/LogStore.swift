#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Coordinator
import Shared

/// The coordinator's durable log: the request journal (accept before acknowledge, recovery
/// after a crash, stored results for idempotent resubmission), the batch log with split
/// lineage, the learning queries, and versioned models — over one SQLite file in WAL mode.
///
/// Times in and out are on the caller's scheduler clock (`Seconds` since the coordinator's
/// start); the file stores Unix seconds, `epoch + t`, so rows keep their meaning across
/// restarts. A reopened store hands back earlier rows on the new run's clock (arrivals
/// before the restart come back negative).
///
/// Opening starts a new run: batches the previous run left queued or running are recorded
/// as `lost`, their requests go back to `queued`, and `unfinishedRequests()` lists what to
/// queue again.
///
/// Every method is one transaction that is durable when it returns (with the default
/// `synchronous = FULL`), unless it runs inside `write { }`, which makes the whole closure
/// one transaction: the way to journal a burst of accepts with one disk sync. Not
/// `Sendable`: the coordinator gives it one serial owner (its storage thread).
public final class LogStore {
    /// The database file.
    public let path: String
    /// Unix time (seconds) of this run's scheduler-clock zero.
    public let epoch: Double
    /// This run's number; batch ids are unique within a run.
    public let run: Int
    /// What opening found and repaired.
    public let recovery: RecoveryReport
    let database: SQLiteDatabase
    /// Whether this connection started the run (and so records its clean stop at close).
    private let ownsRun: Bool

    /// Opens or creates the store, migrates its schema and starts a new run.
    /// - Parameters:
    ///   - path: the database file (its `-wal` and `-shm` files live beside it).
    ///   - epoch: Unix time in seconds at which the caller's clock reads 0.
    /// - Throws: `StorageError.unusableFile` for an empty or foreign file (nothing is
    ///   overwritten); a new file is created with mode 0600.
    public init(path: String, epoch: Double, options: LogStoreOptions = .init()) throws(StorageError) {
        self.path = path
        self.epoch = epoch
        ownsRun = true
        let file = try LogFileCheck.prepare(path)
        let database = try wrap { () throws(SQLiteError) in
            try SQLiteDatabase(
                path: path,
                configuration: SQLiteConfiguration(
                    synchronous: options.synchronous, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds))
        }
        do throws(StorageError) {
            if file.existed, try wrap({ () throws(SQLiteError) in try Self.isForeign(database) }) {
                throw StorageError.unusableFile(
                    path: path, reason: "is a SQLite database of something else (tables but no log-store schema); refusing to change it")
            }
            let migrations = try LogSchema.migrator.migrate(database)
            var report = try wrap { () throws(SQLiteError) in
                try Self.startRun(database, epoch: epoch, migrations: migrations)
            }
            if file.markerExisted { report.previousRunStoppedCleanly = false }
            report.writeAheadLogMissing = report.previousRunStoppedCleanly == false && !file.walExisted
            LogFileCheck.markRunning(path)
            self.run = report.run
            self.recovery = report
        } catch {
            try? database.close()
            throw error
        }
        self.database = database
    }

    /// Opens a second connection to a store that a `LogStore` in this process already opened
    /// (and so migrated and repaired): no new run, no repair. For a background thread that
    /// reads the learning queries and saves models while the owner journals; WAL lets its
    /// reads run beside the journal's writes. Give it the owner's `epoch` and `run`.
    public init(attachingTo path: String, epoch: Double, run: Int, options: LogStoreOptions = .init())
        throws(StorageError)
    {
        self.path = path
        self.epoch = epoch
        self.run = run
        ownsRun = false
        self.recovery = RecoveryReport(
            run: run, migrationsApplied: [], unfinishedRequests: 0, interruptedRequests: 0, lostBatches: 0)
        self.database = try wrap { () throws(SQLiteError) in
            try SQLiteDatabase(
                path: path,
                configuration: SQLiteConfiguration(
                    synchronous: options.synchronous, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds))
        }
    }

    /// Registers a new run and repairs what the previous one left: its queued or running
    /// batches are lost, their running requests queued again.
    private static func startRun(
        _ database: SQLiteDatabase, epoch: Double, migrations: [Int]
    ) throws(SQLiteError) -> RecoveryReport {
        try database.transaction { () throws(SQLiteError) -> RecoveryReport in
            var previousStoppedCleanly: Bool?
            if try database.scalarInt("SELECT count(*) FROM runs") ?? 0 > 0 {
                previousStoppedCleanly =
                    try database.scalarInt("SELECT stopped_at IS NOT NULL FROM runs ORDER BY id DESC LIMIT 1") == 1
            }
            try database.execute("INSERT INTO runs (started_at) VALUES (?)", [.real(epoch)])
            let run = Int(database.lastInsertedRowID)
            try database.execute(
                """
                UPDATE batches SET outcome = 'lost', fault_message = 'the coordinator restarted', finished_at = ?
                WHERE outcome IS NULL AND run < ?
                """, [.real(epoch), SQLiteValue(run)])
            let lost = database.changes
            try database.execute("UPDATE requests SET status = 'queued', worker = NULL WHERE status = 'running'", [])
            let interrupted = database.changes
            let unfinished =
                try database.scalarInt("SELECT count(*) FROM requests WHERE status IN ('queued', 'running')") ?? 0
            return RecoveryReport(
                run: run, migrationsApplied: migrations, unfinishedRequests: unfinished,
                interruptedRequests: interrupted, lostBatches: lost, previousRunStoppedCleanly: previousStoppedCleanly)
        }
    }

    deinit {
        assert(database.isClosed, "LogStore(\(path)) deinitialized without close()")
    }

    /// A database with tables of its own but no log-store schema version.
    private static func isForeign(_ database: SQLiteDatabase) throws(SQLiteError) -> Bool {
        guard try database.userVersion() == 0 else { return false }
        return try database.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0 > 0
    }

    /// Closes the database, recording the run's clean stop first when this connection
    /// started it. Idempotent.
    public func close() throws(StorageError) {
        guard !database.isClosed else { return }
        if ownsRun {
            try wrap { () throws(SQLiteError) in
                try database.execute(
                    "UPDATE runs SET stopped_at = ? WHERE id = ?", [.real(Self.wallClockNow()), SQLiteValue(run)])
            }
        }
        try wrap { () throws(SQLiteError) in try database.close() }
        if ownsRun { LogFileCheck.markStopped(path) }
    }

    /// Unix seconds now (only for the clean-stop record).
    private static func wallClockNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Runs `body` as one transaction: every write inside commits together when it returns
    /// (one disk sync), or none does when it throws. Store calls inside it run in
    /// savepoints: one that fails undoes only its own changes, so the caller may catch its
    /// error and go on.
    public func write<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        try database.transaction(.immediate, mapError: StorageError.database, body)
    }

    /// Runs `body` in a deferred transaction: a consistent snapshot for reads that belong
    /// together, without taking the write lock.
    func read<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        try database.transaction(.deferred, mapError: StorageError.database, body)
    }

    /// Runs SQLite calls as one transaction (a savepoint inside an open one).
    func transaction<T>(_ body: () throws(SQLiteError) -> T) throws(StorageError) -> T {
        try wrap { () throws(SQLiteError) in try database.transaction(.immediate, body) }
    }

    // MARK: - Clock

    /// Stored Unix time of a scheduler-clock time.
    func stored(_ time: Seconds) -> SQLiteValue { .real(epoch + time) }
    func stored(_ time: Seconds?) -> SQLiteValue { time.map { .real(epoch + $0) } ?? .null }
    /// Scheduler-clock time of a stored Unix time.
    func local(_ unixTime: Double) -> Seconds { unixTime - epoch }

    // MARK: - Inspection

    /// Row counts by status and outcome.
    public func counts() throws(StorageError) -> LogStoreCounts {
        try wrap { () throws(SQLiteError) in
            var requests: [RequestStatus: Int] = [:]
            let statuses = try database.cachedStatement("SELECT status, count(*) FROM requests GROUP BY status")
                .query { ($0.text(0), $0.int(1)) }
            for (status, count) in statuses {
                if let status = RequestStatus(rawValue: status) { requests[status] = count }
            }
            var batches: [BatchOutcome?: Int] = [:]
            let outcomes = try database.cachedStatement("SELECT outcome, count(*) FROM batches GROUP BY outcome")
                .query { ($0.optionalText(0), $0.int(1)) }
            for (outcome, count) in outcomes {
                batches[outcome.flatMap(BatchOutcome.init(rawValue:))] = count
            }
            return LogStoreCounts(
                requests: requests, batches: batches,
                models: try database.scalarInt("SELECT count(*) FROM models") ?? 0,
                predictorExamples: try database.scalarInt("SELECT count(*) FROM predictor_examples") ?? 0)
        }
    }

    /// The schema version of the open file.
    public func schemaVersion() throws(StorageError) -> Int {
        try wrap { () throws(SQLiteError) in try database.userVersion() }
    }

    /// The journal mode in force ("wal").
    public func journalMode() throws(StorageError) -> String {
        try wrap { () throws(SQLiteError) in try database.journalMode() }
    }
}

@available(*, unavailable, message: "the log store belongs to one serial owner")
extension LogStore: Sendable {}
