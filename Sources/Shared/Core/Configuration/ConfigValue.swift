/// A type an option can hold: how it reads from a command-line argument and from a config
/// file's JSON, and how it is written back (help defaults, a configuration as JSON, round
/// trips). Conformances: `Int`, `UInt64`, `Double`, `String`, `Bool` (a switch: `--name` /
/// `--no-name`), optionals and lists of these, and the enums of `ConfigChoice`.
public protocol ConfigValue: Sendable, Hashable {
    /// What an option's checks see: the value itself, or for an optional its wrapped value
    /// (an absent value passes every check).
    associatedtype Checked = Self

    /// The placeholder shown in help when the option does not name one (`N`, `X`, `TEXT`).
    static var placeholder: String { get }
    /// For a switch, the value `--name` (true) or `--no-name` (false) sets; nil for options
    /// that take a value.
    static func switched(_ on: Bool) -> Self?
    /// Reads a command-line argument.
    init(argument: String) throws(ConfigValueError)
    /// Reads the value of the option's key in a config file.
    init(json: JSONValue) throws(ConfigValueError)
    /// The value as a command-line argument would give it.
    var argument: String { get }
    /// The value as a config file would give it.
    var json: JSONValue { get }
    /// The value the option's checks test; nil passes them.
    var checked: Checked? { get }
}

extension ConfigValue {
    public static func switched(_ on: Bool) -> Self? { nil }
}

extension ConfigValue where Checked == Self {
    public var checked: Checked? { self }
}
