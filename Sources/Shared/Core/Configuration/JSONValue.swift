/// A JSON value as a config file holds it: numbers keep their text, so that a 64-bit seed or
/// a decimal fraction reaches its option exactly as written, and objects keep their members
/// in order with where each key stands (for error messages).
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number as written in the file (`12`, `-0.5`, `1e6`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// What kind of value this is, for messages: "a string", "a number", …
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
