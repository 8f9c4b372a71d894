/// Applies versioned migrations in order, recording the version in `PRAGMA user_version`
/// (the database header: no extra table, and it changes atomically with the migration's
/// own statements, since each step runs in one IMMEDIATE transaction).
///
/// Re-opening a current file applies nothing; a file from a newer build (a version above
/// the last known migration) is refused with `StorageError.incompatibleSchema`.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// - Precondition: versions are 1, 2, 3, ... without gaps.
    public init(_ migrations: [Migration]) {
        for (offset, migration) in migrations.enumerated() {
            precondition(migration.version == offset + 1, "migration \(migration.name) should be version \(offset + 1)")
        }
        self.migrations = migrations
    }

    /// The version a fully migrated database has.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings `database` to `latestVersion`.
    /// - Returns: the versions applied now (empty when it was current).
    @discardableResult
    public func migrate(_ database: SQLiteDatabase) throws(StorageError) -> [Int] {
        var applied: [Int] = []
        for migration in migrations {
            let ran = try database.transaction(.immediate, mapError: StorageError.database) {
                () throws(StorageError) -> Bool in
                // Read inside the write transaction: another process may have migrated meanwhile.
                let current = try wrap { () throws(SQLiteError) in try database.userVersion() }
                if current > latestVersion {
                    throw StorageError.incompatibleSchema(found: current, supported: latestVersion)
                }
                guard current < migration.version else { return false }
                try wrap { () throws(SQLiteError) in
                    try database.execute(migration.sql)
                    try database.setUserVersion(migration.version)
                }
                return true
            }
            if ran { applied.append(migration.version) }
        }
        if applied.isEmpty {
            let current = try wrap { () throws(SQLiteError) in try database.userVersion() }
            if current > latestVersion {
                throw StorageError.incompatibleSchema(found: current, supported: latestVersion)
            }
        }
        return applied
    }
}
