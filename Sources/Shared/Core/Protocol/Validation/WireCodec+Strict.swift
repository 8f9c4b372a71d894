#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension WireCodec {
    /// Decodes the body of a payload like `body(_:from:)`, and also refuses fields the
    /// message type does not read, at any depth. Used for what the coordinator receives
    /// (client and worker messages): a field it does not know would otherwise be ignored
    /// silently, e.g. an option a newer client relies on.
    /// - Throws: `malformed_message` naming the missing, mistyped or unknown field.
    /// - Complexity: O(payload size); one JSON parse.
    public static func strictBody<M: WireMessage>(_ type: M.Type, from payload: [UInt8]) throws(MagnusError) -> M {
        let tracker = FieldTracker()
        let message: M
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[trackerKey] = tracker
            message = try decoder.decode(Strict<M>.self, from: Data(payload)).value
        } catch {
            throw MagnusError(.malformedMessage, "bad \(M.type) message: \(describeDecodingError(error))")
        }
        try refuseUnknown(tracker.unknownFields.filter { $0 != "v" && $0 != "type" }, in: M.type)
        return message
    }

    /// Decodes a flat message leniently and refuses top-level fields it does not define;
    /// `fields` are the payload's field names from `header(of:maxBytes:)`.
    /// - Throws: `malformed_message` naming the missing, mistyped or unknown field.
    /// - Complexity: O(payload size); one JSON parse besides the header's.
    public static func flatBody<M: FlatWireMessage>(_ type: M.Type, from payload: [UInt8], fields: [String]) throws(MagnusError) -> M {
        let message = try body(type, from: payload)
        try refuseUnknown(fields.filter { $0 != "v" && $0 != "type" && !M.fieldNames.contains($0) }, in: M.type)
        return message
    }

    private static func refuseUnknown(_ unknown: [String], in type: String) throws(MagnusError) {
        guard !unknown.isEmpty else { return }
        let names = unknown.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
        throw MagnusError(
            .malformedMessage,
            "bad \(type) message: unknown field\(unknown.count > 1 ? "s" : "") \(names)\(unknown.count > 3 ? " and \(unknown.count - 3) more" : "")")
    }

    private static var trackerKey: CodingUserInfoKey { CodingUserInfoKey(rawValue: "magnus.fieldTracker")! }

    /// Decodes `M` through a `FieldRecordingDecoder` whose tracker comes in `userInfo`.
    private struct Strict<Value: Decodable>: Decodable {
        var value: Value
        init(from decoder: any Decoder) throws {
            let tracker = decoder.userInfo[WireCodec.trackerKey] as! FieldTracker
            value = try Value(from: FieldRecordingDecoder(base: decoder, tracker: tracker))
        }
    }
}
