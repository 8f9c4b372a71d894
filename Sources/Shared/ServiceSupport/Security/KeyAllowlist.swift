import Transport

/// The CURVE public keys allowed on one socket, with a name for each (for logs and the
/// messages' `User-Id`). Loaded from a key file or a folder of `*.pub` files (`KeyFiles`).
public struct KeyAllowlist: Sendable, Hashable {
    /// Names by raw 32-byte key.
    private var names: [[UInt8]: String] = [:]

    public init() {}

    /// Loads an allowlist file or folder.
    /// - Throws: `KeyFileError` (unreadable, malformed, empty).
    public init(contentsOf path: String) throws(KeyFileError) {
        for entry in try KeyFiles.readAllowlist(at: path) { add(entry.key, name: entry.name) }
    }

    /// Allows a Z85 public key. Traps on a key that is not Z85 (check with `KeyFiles`).
    public mutating func add(_ publicKey: String, name: String) {
        guard let raw = ZMQCurve.z85Decode(publicKey), raw.count == ZMQCurve.keyLength else {
            preconditionFailure("not a Z85 CURVE key: \(publicKey)")
        }
        names[raw] = name
    }

    /// Keys allowed.
    public var count: Int { names.count }

    /// The name of a raw 32-byte key, or nil if it is not allowed.
    /// - Complexity: O(1).
    public func name(of rawKey: [UInt8]) -> String? { names[rawKey] }
}
