/// A rule one option's value must follow, with the reason given when it does not
/// (`must be positive`). Rules that relate two options live in the configuration's own
/// `validate()`.
public struct ConfigCheck<Value>: Sendable {
    /// The end of the sentence `KEY (--FLAG) …, got VALUE`.
    public var reason: String
    public var test: @Sendable (Value) -> Bool

    public init(_ reason: String, _ test: @escaping @Sendable (Value) -> Bool) {
        self.reason = reason
        self.test = test
    }
}

extension ConfigCheck where Value: Comparable & ConfigValue {
    public static func atLeast(_ bound: Value) -> ConfigCheck { ConfigCheck("must be at least \(bound.argument)") { $0 >= bound } }

    public static func atMost(_ bound: Value) -> ConfigCheck { ConfigCheck("must be at most \(bound.argument)") { $0 <= bound } }

    public static func within(_ range: ClosedRange<Value>) -> ConfigCheck {
        ConfigCheck("must be in \(range.lowerBound.argument)...\(range.upperBound.argument)") { range.contains($0) }
    }

    public static func within(_ range: Range<Value>) -> ConfigCheck {
        ConfigCheck("must be in [\(range.lowerBound.argument), \(range.upperBound.argument))") { range.contains($0) }
    }
}

extension ConfigCheck where Value: Comparable & ConfigValue & ExpressibleByIntegerLiteral {
    public static var positive: ConfigCheck { ConfigCheck("must be positive") { $0 > 0 } }
    public static var nonNegative: ConfigCheck { ConfigCheck("cannot be negative") { $0 >= 0 } }
}

extension ConfigCheck where Value == String {
    public static var nonEmpty: ConfigCheck { ConfigCheck("cannot be empty") { !$0.isEmpty } }
}
