extension CommandOptions {
    /// The options of a command that takes flags only (the services): a positional argument
    /// is refused, naming it.
    public static func flagsOnly(
        command: String, summary: String, specs: [OptionSpec], arguments: [String]
    ) throws(UsageError) -> CommandOptions {
        let options = try CommandOptions(command: command, summary: summary, specs: specs, arguments: arguments)
        guard options.requestedText != nil || options.positional.isEmpty else {
            throw UsageError("\(command): unexpected argument '\(options.positional[0])' (see --help)")
        }
        return options
    }
}
