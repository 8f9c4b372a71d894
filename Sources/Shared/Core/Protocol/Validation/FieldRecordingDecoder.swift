/// A `Decoder` that forwards to another (JSONDecoder's) and records, in a `FieldTracker`,
/// every object's keys and which of them the decoded type read. Decoding a message through
/// it finds unknown fields at any depth without a list of field names per type: a field is
/// known exactly when the type's `init(from:)` asks for it.
struct FieldRecordingDecoder: Decoder {
    let base: any Decoder
    let tracker: FieldTracker

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let container = try base.container(keyedBy: type)
        let object = try tracker.object(at: container.codingPath) {
            try base.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        }
        return KeyedDecodingContainer(FieldRecordingKeyedContainer(base: container, object: object, tracker: tracker))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        FieldRecordingUnkeyedContainer(base: try base.unkeyedContainer(), tracker: tracker)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        try base.singleValueContainer()
    }
}
