#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Transport

/// Reading and writing CURVE key files.
///
/// Format: text, one key per line as 40 Z85 characters, optionally followed by whitespace
/// and a name (allowlists); lines that are empty or start with `# ` are comments.
/// `NAME.key` holds a secret key and must not be readable by group or others (mode 0600);
/// `NAME.pub` holds the matching public key. An allowlist is a file of public keys or a
/// folder whose `*.pub` files each hold one (named after the file).
public enum KeyFiles {
    /// Reads a secret key file and derives its public key.
    /// - Throws: `KeyFileError`: `.unreadable`, `.tooOpen` (group or other permissions:
    ///   `chmod 600` it), `.malformed`.
    public static func readSecretKey(at path: String) throws(KeyFileError) -> CurveKeypair {
        var info = stat()
        guard stat(path, &info) == 0 else { throw KeyFileError(.unreadable, path: path, "cannot read the secret key file") }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyFileError(
                .tooOpen, path: path,
                "the secret key file is accessible to group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 on it")
        }
        guard let (secret, _) = try keys(in: path).first else { throw KeyFileError(.malformed, path: path, "no key in the file") }
        guard let publicKey = ZMQCurve.publicKey(fromSecret: secret) else {
            throw KeyFileError(.malformed, path: path, "not a Z85 CURVE secret key (40 characters)")
        }
        return CurveKeypair(publicKey: publicKey, secretKey: secret)
    }

    /// A public key given inline (40 Z85 characters) or as a file holding one.
    /// - Throws: `KeyFileError` `.unreadable` or `.malformed`.
    public static func readPublicKey(_ keyOrPath: String) throws(KeyFileError) -> String {
        if isKey(keyOrPath) { return keyOrPath }
        guard let (key, _) = try keys(in: keyOrPath).first else {
            throw KeyFileError(.malformed, path: keyOrPath, "no public key in the file")
        }
        return key
    }

    /// The keys of an allowlist file, or of every `*.pub` file in a folder, with their names.
    /// - Throws: `KeyFileError` `.unreadable`, `.malformed` (naming the line), `.empty`.
    /// - Complexity: O(total file size).
    public static func readAllowlist(at path: String) throws(KeyFileError) -> [(key: String, name: String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw KeyFileError(.unreadable, path: path, "no such allowlist file or folder")
        }
        var entries: [(key: String, name: String)] = []
        if isDirectory.boolValue {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".pub") }.sorted()
            } catch {
                throw KeyFileError(.unreadable, path: path, "cannot list the allowlist folder")
            }
            for name in names {
                let file = (path as NSString).appendingPathComponent(name)
                guard let (key, _) = try keys(in: file).first else { throw KeyFileError(.malformed, path: file, "no public key in the file") }
                entries.append((key, String(name.dropLast(4))))
            }
        } else {
            for (index, entry) in try keys(in: path).enumerated() {
                entries.append((entry.key, entry.name ?? "key\(index + 1)"))
            }
        }
        guard !entries.isEmpty else { throw KeyFileError(.empty, path: path, "the allowlist names no key: nobody could connect") }
        return entries
    }

    /// Writes `NAME.key` (the secret key, mode 0600) and `NAME.pub` (the public key) in
    /// `directory`, creating it (mode 0700) if needed.
    /// - Returns: the two paths.
    /// - Throws: `KeyFileError` `.exists` (unless `overwrite`), `.unwritable`.
    @discardableResult
    public static func writeKeypair(
        _ keypair: CurveKeypair, name: String, in directory: String, overwrite: Bool = false
    ) throws(KeyFileError) -> (secret: String, public: String) {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw KeyFileError(.unwritable, path: directory, "cannot create the folder")
            }
        } else if !isDirectory.boolValue {
            throw KeyFileError(.unwritable, path: directory, "not a folder")
        }
        let secretPath = (directory as NSString).appendingPathComponent(name + ".key")
        let publicPath = (directory as NSString).appendingPathComponent(name + ".pub")
        try createFile(
            "# Magnus CURVE secret key of \(name): keep it private (mode 0600).\n# public key: \(keypair.publicKey)\n\(keypair.secretKey)\n",
            to: secretPath, mode: 0o600, overwrite: overwrite)
        try createFile("# Magnus CURVE public key of \(name).\n\(keypair.publicKey) \(name)\n", to: publicPath, mode: 0o644, overwrite: overwrite)
        return (secretPath, publicPath)
    }

    // MARK: - Helpers

    /// Whether `text` is a Z85 CURVE key.
    static func isKey(_ text: String) -> Bool {
        text.utf8.count == ZMQCurve.z85KeyLength && ZMQCurve.z85Decode(text)?.count == ZMQCurve.keyLength
    }

    /// The keys in a file, with the optional name after each.
    private static func keys(in path: String) throws(KeyFileError) -> [(key: String, name: String?)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw KeyFileError(.unreadable, path: path, "cannot read the key file")
        }
        var keys: [(key: String, name: String?)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            // A Z85 key may itself start with '#'; a comment is '#' then a space (or alone).
            if line.isEmpty || line == "#" || line.hasPrefix("# ") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard isKey(fields[0]) else {
                throw KeyFileError(.malformed, path: path, "line \(number + 1) is not a 40-character Z85 CURVE key")
            }
            keys.append((fields[0], fields.count > 1 ? fields[1...].joined(separator: " ") : nil))
        }
        return keys
    }

    /// Creates a file with `mode` from the start (no window in which it is more open).
    private static func createFile(_ text: String, to path: String, mode: mode_t, overwrite: Bool) throws(KeyFileError) {
        let flags = O_WRONLY | O_CREAT | O_TRUNC | (overwrite ? 0 : O_EXCL)
        let descriptor = open(path, flags, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw KeyFileError(.exists, path: path, "already exists; remove it or overwrite on purpose") }
            throw KeyFileError(.unwritable, path: path, "cannot create the file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // An overwritten file keeps its old mode: set it.
        guard fchmod(descriptor, mode) == 0 else { throw KeyFileError(.unwritable, path: path, "cannot set the mode") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw KeyFileError(.unwritable, path: path, "cannot write the file") }
    }
}
