import CZeroMQ

/// CURVE key utilities (Curve25519 keys as used by `ZMQ_CURVE_*` options) and Z85 encoding.
///
/// Keys are 32 bytes; their Z85 text form is 40 characters. Check
/// `ZMQ.hasCapability("curve")` before relying on CURVE.
public enum ZMQCurve {
    /// Length of a raw CURVE key in bytes.
    public static let keyLength = 32
    /// Length of a Z85-encoded CURVE key in characters.
    public static let z85KeyLength = 40

    /// Generates a new long-term keypair (`zmq_curve_keypair`), Z85-encoded.
    /// Requires a libzmq built with CURVE (traps otherwise).
    public static func generateKeypair() -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: z85KeyLength + 1)
        var secretKey = [CChar](repeating: 0, count: z85KeyLength + 1)
        let rc = zmq_curve_keypair(&publicKey, &secretKey)
        precondition(rc == 0, "zmq_curve_keypair failed: \(ZMQError.last); is libzmq built with CURVE?")
        return (string(fromNulTerminated: publicKey), string(fromNulTerminated: secretKey))
    }

    /// Derives the Z85 public key for a Z85 secret key (`zmq_curve_public`).
    /// - Returns: `nil` if `secretKey` is not a valid 40-character Z85 key.
    /// Requires a libzmq built with CURVE (traps otherwise).
    public static func publicKey(fromSecret secretKey: String) -> String? {
        guard secretKey.utf8.count == z85KeyLength, z85Decode(secretKey) != nil else { return nil }
        var publicKey = [CChar](repeating: 0, count: z85KeyLength + 1)
        let rc = zmq_curve_public(&publicKey, secretKey)
        precondition(rc == 0, "zmq_curve_public failed: \(ZMQError.last); is libzmq built with CURVE?")
        return string(fromNulTerminated: publicKey)
    }

    /// Encodes bytes as Z85 text (`zmq_z85_encode`). The byte count must be a multiple of 4.
    /// - Complexity: O(n).
    public static func z85Encode(_ bytes: [UInt8]) -> String {
        precondition(bytes.count % 4 == 0, "Z85 encodes whole 4-byte groups")
        var text = [CChar](repeating: 0, count: bytes.count / 4 * 5 + 1)
        let result = zmq_z85_encode(&text, bytes, bytes.count)
        precondition(result != nil, "zmq_z85_encode rejected \(bytes.count) bytes")
        return string(fromNulTerminated: text)
    }

    /// Decodes Z85 text (`zmq_z85_decode`).
    /// - Returns: the bytes, or `nil` if the length is not a multiple of 5 or the text holds
    ///   characters or groups outside Z85.
    /// - Complexity: O(n).
    public static func z85Decode(_ text: String) -> [UInt8]? {
        let length = text.utf8.count
        guard length % 5 == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: length / 5 * 4)
        guard zmq_z85_decode(&bytes, text) != nil else { return nil }
        return bytes
    }

    /// A `String` from a NUL-terminated C buffer.
    private static func string(fromNulTerminated buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
