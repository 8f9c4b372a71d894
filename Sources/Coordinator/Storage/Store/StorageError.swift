import Coordinator

/// Why a log-store operation failed.
public enum StorageError: Error, Sendable, CustomStringConvertible {
    /// SQLite refused (disk full, locked past the busy timeout, I/O error, constraint...).
    case database(SQLiteError)
    /// The file's schema is newer than this build knows: refuse rather than guess.
    case incompatibleSchema(found: Int, supported: Int)
    /// A stored model's bytes do not decode.
    case corruptModel(kind: ModelKind, version: Int, ModelCodingError)
    /// No model with that kind and version.
    case unknownModel(kind: ModelKind, version: Int)
    /// Only accepted versions can be made active.
    case modelNotAccepted(kind: ModelKind, version: Int)
    /// A row holds a value this build cannot read (e.g. an unknown status).
    case corruptRow(table: String, key: String, reason: String)
    /// The file at the log path is not a log store this build may open (empty, foreign,
    /// unreadable), or cannot be created.
    case unusableFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .database(let error): "\(error)"
        case .incompatibleSchema(let found, let supported):
            "the log store's schema is version \(found) but this build knows only up to \(supported); use a newer build"
        case .corruptModel(let kind, let version, let error):
            "\(kind) model version \(version) does not decode: \(error)"
        case .unknownModel(let kind, let version): "there is no \(kind) model version \(version)"
        case .modelNotAccepted(let kind, let version):
            "\(kind) model version \(version) was rejected and cannot be activated"
        case .corruptRow(let table, let key, let reason): "\(table) row \(key): \(reason)"
        case .unusableFile(let path, let reason): "log store \(path) \(reason)"
        }
    }
}
