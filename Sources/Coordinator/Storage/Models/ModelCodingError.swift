/// Why stored model bytes do not decode: wrong magic, unknown format version, truncation,
/// a checksum mismatch or values that cannot form a valid model.
public struct ModelCodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
