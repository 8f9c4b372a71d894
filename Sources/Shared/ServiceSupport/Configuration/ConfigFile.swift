#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Shared

/// Reading a JSON config file, with messages an operator can act on: the file is not found,
/// not readable or a directory; the text is not JSON (at line L, column C); a key is unknown.
public enum ConfigFile {
    /// Largest config file read.
    public static let maximumBytes = 16 << 20

    /// Reads the file at `path` and sets the options its keys name; absent keys keep their
    /// values.
    /// - Throws: `UsageError` starting `config file PATH`: the file is not found, not
    ///   readable or a directory; the text is not JSON (with line and column); a key is
    ///   unknown (with the nearest known one) or its value is not what the option takes.
    /// - Complexity: O(file size + keys × options).
    public static func load<Root>(_ path: String, schema: ConfigSchema<Root>, into root: inout Root) throws(UsageError) {
        let source = "config file \(path)"
        try schema.decode(text: try contents(of: path, source: source), into: &root, source: source)
    }

    /// The bytes of the file at `path`.
    /// - Throws: `UsageError` starting with `source`: not found, permission denied, is a
    ///   directory, or the system's reason.
    public static func contents(of path: String, source: String) throws(UsageError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw UsageError("\(source): \(reason(errno))") }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw UsageError("\(source): is a directory, not a file") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw UsageError("\(source): \(reason(errno))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw UsageError("\(source): \(reason(errno))")
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= maximumBytes else { throw UsageError("\(source): larger than \(maximumBytes >> 20) MiB") }
        }
    }

    private static func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
        #else
        Darwin.read(descriptor, buffer, count)
        #endif
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "not found"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "is a directory, not a file"
        case ENOTDIR: "not found (a part of the path is not a directory)"
        default: "cannot be read: \(String(cString: strerror(code)))"
        }
    }
}
