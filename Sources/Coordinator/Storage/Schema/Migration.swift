/// One schema step: brings a database from `version - 1` to `version` with a SQL script.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    /// Statements run in one transaction with the version bump.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        precondition(version >= 1, "migration versions start at 1")
        self.version = version
        self.name = name
        self.sql = sql
    }
}
