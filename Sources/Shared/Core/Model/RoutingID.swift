/// The address of one peer on a ZeroMQ ROUTER socket: the identity frame that comes before
/// each of its messages and goes before each message to it. Workers set theirs to their
/// name; clients get one from the socket.
public struct RoutingID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ name: String) { bytes = Array(name.utf8) }

    public static func < (lhs: RoutingID, rhs: RoutingID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    /// Itself when it is printable ASCII, else `0x` and hex digits.
    public var description: String {
        if let text = String(validating: bytes, as: UTF8.self), !text.isEmpty,
            text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f })
        {
            return text
        }
        return "0x" + bytes.map { String($0, radix: 16).leftPadded(to: 2).replacing(" ", with: "0") }.joined()
    }
}
