/// Reads what `ByteWriter` wrote, failing with `ModelCodingError` instead of reading past
/// the end.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) throws(ModelCodingError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw ModelCodingError("truncated: wanted \(count) bytes at offset \(offset), \(remaining) left")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(ModelCodingError) -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value: T = 0
        for (shift, byte) in slice.enumerated() { value |= T(truncatingIfNeeded: byte) << (8 * shift) }
        return value
    }

    mutating func readDouble() throws(ModelCodingError) -> Double {
        Double(bitPattern: try read(UInt64.self))
    }

    mutating func readString() throws(ModelCodingError) -> String {
        let count = Int(try read(UInt32.self))
        return String(decoding: try take(count), as: UTF8.self)
    }

    /// A count that must fit in what is left at `bytesEach` bytes per element.
    mutating func readCount(bytesEach: Int) throws(ModelCodingError) -> Int {
        let count = Int(try read(UInt32.self))
        guard count * max(bytesEach, 1) <= remaining else {
            throw ModelCodingError("count \(count) exceeds the \(remaining) bytes left")
        }
        return count
    }
}
