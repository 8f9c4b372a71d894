/// Why a value does not fit its option, as the end of a sentence that starts with the
/// option's name: `must be a whole number, got 'ten'`.
public struct ConfigValueError: Error, Sendable, Hashable {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }
}
