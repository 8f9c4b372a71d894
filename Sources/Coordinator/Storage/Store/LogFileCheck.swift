#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the log store checks about its file before SQLite opens it: a file that exists must
/// be a SQLite database (an empty or foreign file is refused rather than silently turned into
/// a fresh store), and a file that does not exist is created readable by its owner only
/// (mode 0600: it holds every prompt and output; SQLite gives its `-wal` and `-shm` files the
/// same mode).
enum LogFileCheck {
    /// The first 16 bytes of every SQLite 3 database.
    static let header: [UInt8] = Array("SQLite format 3".utf8) + [0]

    /// The marker file beside the store that says a run has it open: created at open,
    /// removed at a clean close, so one found at open means the last run crashed, whatever
    /// the database itself still says (a lost write-ahead log takes the run's own rows along).
    static func runningMarker(_ path: String) -> String { path + "-running" }

    /// Marks the store open (mode 0600).
    static func markRunning(_ path: String) {
        let descriptor = open(runningMarker(path), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
    }

    /// Marks the store cleanly closed.
    static func markStopped(_ path: String) { unlink(runningMarker(path)) }

    /// - Returns: whether the file existed, whether its write-ahead log did, and whether a
    ///   run's marker was left behind (the last run did not close the store).
    /// - Throws: `StorageError.unusableFile` for an empty or non-SQLite file, or one that
    ///   cannot be created.
    static func prepare(_ path: String) throws(StorageError) -> (existed: Bool, walExisted: Bool, markerExisted: Bool) {
        let walExisted = access(path + "-wal", F_OK) == 0
        let markerExisted = access(runningMarker(path), F_OK) == 0
        var info = stat()
        guard stat(path, &info) == 0 else {
            let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw .unusableFile(path: path, reason: "cannot be created: \(String(cString: strerror(errno)))")
            }
            close(descriptor)
            return (false, walExisted, markerExisted)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .unusableFile(path: path, reason: "is not a regular file") }
        guard info.st_size > 0 else {
            throw .unusableFile(
                path: path,
                reason:
                    "is empty (0 bytes), so it holds no journal: it was probably truncated. Restore it from a backup, or move it away to start a fresh store")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .unusableFile(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: header.count)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, header.count) }
        guard count == header.count, bytes == header else {
            throw .unusableFile(path: path, reason: "is not a SQLite database (not a Magnus log store); refusing to overwrite it")
        }
        return (true, walExisted, markerExisted)
    }
}
