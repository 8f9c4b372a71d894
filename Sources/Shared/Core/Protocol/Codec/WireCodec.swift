#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encodes wire messages to UTF-8 JSON bytes and decodes them back, turning every failure
/// into a `MagnusError` with a protocol code (`malformed_message`, `unsupported_version`,
/// `unknown_type`, `payload_too_large`).
///
/// Decoding is two passes over the bytes: the header (`v`, `type`) picks the message type,
/// then the body is decoded as that type (unknown extra fields are ignored).
public enum WireCodec {
    /// Encodes `message` with its `"v"` and `"type"` fields, keys sorted.
    /// - Complexity: O(encoded size).
    public static func encode<M: WireMessage>(_ message: M) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // JSON has no infinities or NaN: a non-finite number (an engine's bad duration, say)
        // goes out as a string, which the receiver refuses as a mistyped field instead of
        // this process trapping.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return Array(try encoder.encode(Framed(message: message)))
        } catch {
            // Nothing left that can fail: every field is a string, integer, bool or number.
            preconditionFailure("cannot encode \(M.type): \(error)")
        }
    }

    /// Reads the header of a payload: checks its size and version and returns its `"type"`.
    /// - Throws: `payload_too_large`, `malformed_message` (not a JSON object, no `type`),
    ///   `unsupported_version` (missing or other `"v"`).
    public static func type(of payload: [UInt8], maxBytes: Int = WireProtocol.defaultMaxPayloadBytes) throws(MagnusError) -> String {
        try header(of: payload, maxBytes: maxBytes).type
    }

    /// Reads the header of a payload like `type(of:maxBytes:)`, and also the names of its
    /// top-level fields, in the same pass.
    public static func header(
        of payload: [UInt8], maxBytes: Int = WireProtocol.defaultMaxPayloadBytes
    ) throws(MagnusError) -> (type: String, fields: [String]) {
        guard payload.count <= maxBytes else {
            throw MagnusError(.payloadTooLarge, "payload of \(payload.count) bytes exceeds the limit of \(maxBytes)")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(payload))
        } catch {
            throw MagnusError(.malformedMessage, "not a protocol message: \(describeDecodingError(error))")
        }
        guard let version = header.v else {
            throw MagnusError(.unsupportedVersion, "missing protocol version \"v\" (this peer speaks \(WireProtocol.version))")
        }
        guard version == WireProtocol.version else {
            throw MagnusError(.unsupportedVersion, "protocol version \(version) is not supported (this peer speaks \(WireProtocol.version))")
        }
        guard let type = header.type, !type.isEmpty else {
            throw MagnusError(.malformedMessage, "missing message \"type\"")
        }
        return (type, header.fields)
    }

    /// Decodes the body of a payload whose header was checked with `type(of:)`.
    /// - Throws: `malformed_message` naming the missing or mistyped field.
    public static func body<M: WireMessage>(_ type: M.Type, from payload: [UInt8]) throws(MagnusError) -> M {
        do {
            return try JSONDecoder().decode(M.self, from: Data(payload))
        } catch {
            throw MagnusError(.malformedMessage, "bad \(M.type) message: \(describeDecodingError(error))")
        }
    }

    /// A short, stable description of a decoding failure: which field, what was wrong.
    public static func describeDecodingError(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(path(context, key))'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context))' must be \(jsonName(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context))' must be \(jsonName(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "invalid JSON" : "field '\(path(context))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func jsonName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)"
        }
    }

    /// The two fields every message has, both optional so that their absence gets a precise
    /// error, and the names of all top-level fields.
    private struct Header: Decodable {
        var v: Int?
        var type: String?
        var fields: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyCodingKey.self)
            fields = container.allKeys.map(\.stringValue)
            v = try container.decodeIfPresent(Int.self, forKey: AnyCodingKey(stringValue: "v"))
            type = try container.decodeIfPresent(String.self, forKey: AnyCodingKey(stringValue: "type"))
        }
    }

    /// `message`'s fields plus `"v"` and `"type"`, in one JSON object.
    private struct Framed<M: WireMessage>: Encodable {
        var message: M
        enum Keys: String, CodingKey { case v, type }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(WireProtocol.version, forKey: .v)
            try container.encode(M.type, forKey: .type)
            try message.encode(to: encoder)
        }
    }
}
