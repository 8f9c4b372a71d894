import Coordinator
import Shared

extension LogStore {
    /// Bounded growth: deletes finished requests (done, failed, cancelled) and ended batches
    /// beyond the newest `keepingRows` of each table, or finished more than `olderThan`
    /// seconds before `now`. Queued and running requests, and batches without an outcome,
    /// are never deleted, whatever their age. Freed pages go back to the file system.
    /// - Parameters:
    ///   - keepingRows: finished rows to keep per table (nil: no count limit).
    ///   - olderThan: age limit in seconds (nil: no age limit).
    /// - Complexity: O(deleted rows · log rows) through the finish-time indexes.
    @discardableResult
    public func prune(keepingRows: Int?, olderThan age: Seconds?, now: Seconds) throws(StorageError) -> PruneReport {
        let report = try transaction { () throws(SQLiteError) -> PruneReport in
            var report = PruneReport()
            if let age {
                let cutoff = stored(now - age)
                try database.execute(
                    "DELETE FROM requests WHERE status IN ('done', 'failed', 'cancelled') AND finished_at < ?", [cutoff]
                )
                report.requests += database.changes
                try database.execute("DELETE FROM batches WHERE outcome IS NOT NULL AND finished_at < ?", [cutoff])
                report.batches += database.changes
            }
            if let keepingRows {
                try database.execute(
                    """
                    DELETE FROM requests WHERE rowid IN (
                        SELECT rowid FROM requests WHERE status IN ('done', 'failed', 'cancelled')
                        ORDER BY finished_at DESC, rowid DESC LIMIT -1 OFFSET ?)
                    """, [SQLiteValue(max(0, keepingRows))])
                report.requests += database.changes
                try database.execute(
                    """
                    DELETE FROM batches WHERE (run, id) IN (
                        SELECT run, id FROM batches WHERE outcome IS NOT NULL
                        ORDER BY finished_at DESC, run DESC, id DESC LIMIT -1 OFFSET ?)
                    """, [SQLiteValue(max(0, keepingRows))])
                report.batches += database.changes
            }
            return report
        }
        if report.requests + report.batches > 0, !database.isInTransaction {
            try wrap { () throws(SQLiteError) in try database.incrementalVacuum() }
        }
        return report
    }

    /// Deletes model versions older than the newest `keepingPerKind` of their kind, except
    /// the active ones.
    @discardableResult
    public func pruneModels(keepingPerKind: Int) throws(StorageError) -> Int {
        try transaction { () throws(SQLiteError) -> Int in
            try database.execute(
                """
                DELETE FROM models WHERE active = 0
                AND version <= (SELECT max(version) FROM models AS newest WHERE newest.kind = models.kind) - ?
                """, [SQLiteValue(max(0, keepingPerKind))])
            return database.changes
        }
    }
}
