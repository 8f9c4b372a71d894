/// Parsed `--name value` and `--flag` options, validated against a list of specs; a small
/// stand-in for swift-argument-parser, which cannot be fetched here.
public struct CommandOptions: Sendable {
    public let command: String
    public let summary: String
    public let specs: [OptionSpec]
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    /// Arguments that are not options, in order.
    public private(set) var positional: [String] = []
    /// Whether `--help` was given.
    public private(set) var wantsHelp = false
    /// Whether `--version` was given.
    public private(set) var wantsVersion = false

    public init(command: String, summary: String, specs: [OptionSpec], arguments: [String]) throws(UsageError) {
        self.command = command
        self.summary = summary
        self.specs = specs
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                wantsHelp = true
                continue
            }
            if argument == "--version" {
                wantsVersion = true
                continue
            }
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = specs.first(where: { $0.name == name || $0.aliases.contains(name) }) else {
                let hint = NearestName.to(name, in: specs.flatMap { [$0.name] + $0.aliases }).map { "; did you mean --\($0)?" } ?? ""
                throw UsageError("\(command): unknown option --\(name)\(hint) (see \(command) --help)")
            }
            let given = name
            name = spec.name
            if spec.value == nil {
                guard inlineValue == nil else { throw UsageError("\(command): --\(given) takes no value") }
                flags.insert(name)
            } else {
                if let inlineValue {
                    values[name] = inlineValue
                } else {
                    guard index < arguments.count else { throw UsageError("\(command): --\(given) needs a value \(spec.value!)") }
                    values[name] = arguments[index]
                    index += 1
                }
            }
        }
    }

    /// The help text: summary, then every option with its placeholder, default and help.
    public var help: String {
        var lines = ["\(command): \(summary)", "", "Options:"]
        for spec in specs {
            var left = "  --\(spec.name)"
            if let value = spec.value { left += " \(value)" }
            let padded = left.count < 30 ? left + String(repeating: " ", count: 30 - left.count) : left + " "
            var right = spec.help
            if let defaultValue = spec.defaultValue { right += " (default: \(defaultValue))" }
            let unnamed = spec.aliases.filter { !spec.help.contains("--" + $0) }
            if !unnamed.isEmpty { right += " (also " + unnamed.map { "--" + $0 }.joined(separator: ", ") + ")" }
            lines.append(padded + right)
        }
        lines.append("  --help                      Show this help.")
        lines.append("  --version                   Show the version and the wire protocol version.")
        return lines.joined(separator: "\n")
    }

    /// What `--help` or `--version` asks to print instead of running the command (help wins
    /// when both are given); nil when neither was given. The version line names the program,
    /// the first word of `command`.
    public var requestedText: String? {
        if wantsHelp { return help }
        if wantsVersion { return MagnusVersion.line(String(command.split(separator: " ").first ?? Substring(command))) }
        return nil
    }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    public func string(_ name: String) -> String? {
        values[name] ?? specs.first { $0.name == name }?.defaultValue
    }

    public func int(_ name: String) throws(UsageError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text.replacingUnderscores()) else { throw UsageError("\(command): --\(name) must be a whole number, got '\(text)'") }
        return value
    }

    public func double(_ name: String) throws(UsageError) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text.replacingUnderscores()) else { throw UsageError("\(command): --\(name) must be a number, got '\(text)'") }
        return value
    }

    /// Comma-separated values.
    public func list(_ name: String) -> [String]? {
        string(name).map { $0.split(separator: ",").map { String($0) }.filter { !$0.isEmpty } }
    }

    /// A value that must lie in a range, with a clear message otherwise.
    public func int(_ name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let value = try int(name) else { return nil }
        guard range.contains(value) else { throw UsageError("\(command): --\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)") }
        return value
    }

    public func double(_ name: String, in range: ClosedRange<Double>) throws(UsageError) -> Double? {
        guard let value = try double(name) else { return nil }
        guard range.contains(value) else { throw UsageError("\(command): --\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)") }
        return value
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { filter { $0 != "_" } }
}
