/// One `"key": value` member of a JSON object, with the line and column (from 1) where its
/// key starts.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue
    public var line: Int
    public var column: Int

    public init(key: String, value: JSONValue, line: Int = 0, column: Int = 0) {
        self.key = key
        self.value = value
        self.line = line
        self.column = column
    }

    /// Where the key stands, for messages: `line 3, column 5`.
    public var position: String { "line \(line), column \(column)" }
}
