/// A deterministic 64-bit FNV-1a digest of a submit's content, to tell an idempotent
/// resubmission (same content) from a conflicting one (`duplicate_id`). Stable across runs,
/// unlike `Hasher`, so it can be stored.
public struct ContentFingerprint: Sendable, Hashable, CustomStringConvertible {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// Mixes in a string, length-prefixed so that field boundaries matter.
    /// - Complexity: O(n) in its UTF-8 length.
    public mutating func combine(_ text: String) {
        combine(text.utf8.count)
        for byte in text.utf8 { mix(byte) }
    }

    /// Mixes in an integer (little-endian bytes).
    public mutating func combine(_ number: Int) {
        var bits = UInt64(bitPattern: Int64(number))
        for _ in 0..<8 {
            mix(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    /// Mixes in an optional integer, distinguishing nil from every value.
    public mutating func combine(_ number: Int?) {
        mix(number == nil ? 0 : 1)
        if let number { combine(number) }
    }

    private mutating func mix(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    public var description: String { String(value, radix: 16) }
}
