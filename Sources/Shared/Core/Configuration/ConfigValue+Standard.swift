// The `ConfigValue` conformances of the standard types.

extension String {
    /// `100_000` reads as `100000`, as in Swift.
    fileprivate var withoutUnderscores: String { filter { $0 != "_" } }
}

extension Int: ConfigValue {
    public static var placeholder: String { "N" }

    public init(argument text: String) throws(ConfigValueError) {
        guard let value = Int(text.withoutUnderscores) else { throw ConfigValueError("must be a whole number, got '\(text)'") }
        self = value
    }

    /// A JSON integer; `1e6` or `5.0` are accepted when they are whole numbers.
    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .number(let text) = json else { throw ConfigValueError("must be a whole number, got \(json.kind)") }
        if let value = Int(text) {
            self = value
        } else if let value = Double(text), value.rounded() == value, abs(value) <= 9_007_199_254_740_992 {
            self = Int(value)
        } else {
            throw ConfigValueError("must be a whole number, got \(text)")
        }
    }

    public var argument: String { String(self) }
    public var json: JSONValue { .number(String(self)) }
}

extension UInt64: ConfigValue {
    public static var placeholder: String { "N" }

    public init(argument text: String) throws(ConfigValueError) {
        guard let value = UInt64(text.withoutUnderscores) else {
            throw ConfigValueError("must be a whole number in 0...\(UInt64.max), got '\(text)'")
        }
        self = value
    }

    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .number(let text) = json else { throw ConfigValueError("must be a whole number, got \(json.kind)") }
        guard let value = UInt64(text) else { throw ConfigValueError("must be a whole number in 0...\(UInt64.max), got \(text)") }
        self = value
    }

    public var argument: String { String(self) }
    public var json: JSONValue { .number(String(self)) }
}

extension Double: ConfigValue {
    public static var placeholder: String { "X" }

    public init(argument text: String) throws(ConfigValueError) {
        guard let value = Double(text.withoutUnderscores), value.isFinite else {
            throw ConfigValueError("must be a number, got '\(text)'")
        }
        self = value
    }

    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .number(let text) = json else { throw ConfigValueError("must be a number, got \(json.kind)") }
        guard let value = Double(text), value.isFinite else { throw ConfigValueError("must be a finite number, got \(text)") }
        self = value
    }

    /// Whole numbers without a fraction (`30`, not `30.0`); others as Swift prints them,
    /// which reads back to the same value.
    public var argument: String {
        rounded() == self && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }

    public var json: JSONValue { .number(argument) }
}

extension String: ConfigValue {
    public static var placeholder: String { "TEXT" }

    public init(argument text: String) throws(ConfigValueError) { self = text }

    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .string(let text) = json else { throw ConfigValueError("must be a string, got \(json.kind)") }
        self = text
    }

    public var argument: String { self }
    public var json: JSONValue { .string(self) }
}

extension Bool: ConfigValue {
    public static var placeholder: String { "true|false" }

    public static func switched(_ on: Bool) -> Bool? { on }

    public init(argument text: String) throws(ConfigValueError) {
        switch text.lowercased() {
        case "true", "yes", "on", "1": self = true
        case "false", "no", "off", "0": self = false
        default: throw ConfigValueError("must be true or false, got '\(text)'")
        }
    }

    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .bool(let value) = json else { throw ConfigValueError("must be true or false, got \(json.kind)") }
        self = value
    }

    public var argument: String { self ? "true" : "false" }
    public var json: JSONValue { .bool(self) }
}

/// An optional option: JSON `null` clears it; the checks test the value when there is one.
extension Optional: ConfigValue where Wrapped: ConfigValue {
    public typealias Checked = Wrapped.Checked

    public static var placeholder: String { Wrapped.placeholder }

    public init(argument text: String) throws(ConfigValueError) { self = try Wrapped(argument: text) }

    public init(json: JSONValue) throws(ConfigValueError) {
        if case .null = json {
            self = nil
        } else {
            self = try Wrapped(json: json)
        }
    }

    /// Empty when there is no value.
    public var argument: String { self?.argument ?? "" }
    public var json: JSONValue { self?.json ?? .null }
    public var checked: Checked? { self?.checked }
}

/// A list: comma-separated on the command line (empty items dropped), an array in JSON.
extension Array: ConfigValue where Element: ConfigValue {
    public static var placeholder: String { "LIST" }

    public init(argument text: String) throws(ConfigValueError) {
        var elements: [Element] = []
        for item in text.split(separator: ",") where !item.isEmpty {
            elements.append(try Element(argument: String(item)))
        }
        self = elements
    }

    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .array(let items) = json else { throw ConfigValueError("must be an array, got \(json.kind)") }
        var elements: [Element] = []
        for (index, item) in items.enumerated() {
            do {
                elements.append(try Element(json: item))
            } catch {
                throw ConfigValueError("item \(index + 1) \(error.reason)")
            }
        }
        self = elements
    }

    public var argument: String { map(\.argument).joined(separator: ",") }
    public var json: JSONValue { .array(map(\.json)) }
}
