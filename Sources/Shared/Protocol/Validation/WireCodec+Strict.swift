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
        let unknown = tracker.unknownFields.filter { $0 != "v" && $0 != "type" }
        guard unknown.isEmpty else {
            let names = unknown.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            throw MagnusError(
                .malformedMessage,
                "bad \(M.type) message: unknown field\(unknown.count > 1 ? "s" : "") \(names)\(unknown.count > 3 ? " and \(unknown.count - 3) more" : "")")
        }
        return message
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
