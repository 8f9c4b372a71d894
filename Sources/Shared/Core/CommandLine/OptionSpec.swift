/// One option a command accepts, with the help text shown beside it.
public struct OptionSpec: Sendable {
    public var name: String
    public var help: String
    /// Placeholder for a value (`N`, `PATH`); nil for a flag.
    public var value: String?
    public var defaultValue: String?
    /// Other spellings accepted for the option (older names kept for scripts); the parsed
    /// value is found under `name`.
    public var aliases: [String] = []

    public static func flag(_ name: String, _ help: String, aliases: [String] = []) -> OptionSpec {
        OptionSpec(name: name, help: help, value: nil, defaultValue: nil, aliases: aliases)
    }

    public static func value(
        _ name: String, _ placeholder: String, _ help: String, default defaultValue: String? = nil, aliases: [String] = []
    ) -> OptionSpec {
        OptionSpec(name: name, help: help, value: placeholder, defaultValue: defaultValue, aliases: aliases)
    }
}
