extension LogLevel: ConfigChoice {
    public var argument: String { description }

    /// `debug`, `info`, `warning` (or `warn`) or `error`, in any letter case.
    public init(argument text: String) throws(ConfigValueError) {
        guard let level = LogLevel(name: text) else { throw ConfigValueError("must be \(Self.choiceList), got '\(text)'") }
        self = level
    }
}
