/// A CURVE key file that cannot be used: unreadable, readable by others, not a key, or
/// (when writing) already there. The code is stable; the message says what to do.
public struct KeyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes, as constants so that new ones do not break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file or folder does not exist or cannot be read.
        public static let unreadable = Code("unreadable")
        /// A secret key file is readable or writable by group or others.
        public static let tooOpen = Code("permissions_too_open")
        /// The file holds no valid Z85 CURVE key.
        public static let malformed = Code("malformed_key")
        /// An allowlist names no key at all.
        public static let empty = Code("empty_allowlist")
        /// Refusing to overwrite an existing key file.
        public static let exists = Code("exists")
        /// The file cannot be created or written.
        public static let unwritable = Code("unwritable")
    }

    public var code: Code
    /// The file concerned.
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message) [\(code)]" }
}
