/// The keyed container of a `FieldRecordingDecoder`: forwards every call and marks the key
/// read; nested values are decoded through recording decoders too.
struct FieldRecordingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>
    /// The object this container reads, in the tracker.
    let object: FieldTracker.Object
    let tracker: FieldTracker

    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }

    private func mark(_ key: Key) { object.read.insert(key.stringValue) }

    func contains(_ key: Key) -> Bool {
        mark(key)
        return base.contains(key)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        mark(key)
        return try base.decodeNil(forKey: key)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { mark(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { mark(key); return try base.decode(type, forKey: key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        mark(key)
        // Probe first so that a missing key reports as keyNotFound, as the base would.
        guard base.contains(key) else { return try base.decode(type, forKey: key) }
        return try T(from: FieldRecordingDecoder(base: try base.superDecoder(forKey: key), tracker: tracker))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        mark(key)
        guard base.contains(key), try !base.decodeNil(forKey: key) else { return nil }
        return try T(from: FieldRecordingDecoder(base: try base.superDecoder(forKey: key), tracker: tracker))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        mark(key)
        return try FieldRecordingDecoder(base: try base.superDecoder(forKey: key), tracker: tracker).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        mark(key)
        return FieldRecordingUnkeyedContainer(base: try base.nestedUnkeyedContainer(forKey: key), tracker: tracker)
    }

    func superDecoder() throws -> any Decoder {
        FieldRecordingDecoder(base: try base.superDecoder(), tracker: tracker)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        mark(key)
        return FieldRecordingDecoder(base: try base.superDecoder(forKey: key), tracker: tracker)
    }
}
