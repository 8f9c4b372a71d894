/// The options of one configuration type and everything derived from them: the
/// command-line specs and help, applying parsed flags, reading and writing a config file's
/// JSON object (unknown keys refused), and the per-option checks.
public struct ConfigSchema<Root>: Sendable {
    public let options: [ConfigOption<Root>]

    /// A schema of `options`, whose keys and flag spellings must all differ.
    public init(_ options: [ConfigOption<Root>]) {
        var keys: Set<String> = []
        var flags: Set<String> = []
        for option in options {
            precondition(keys.insert(option.key).inserted, "two options have the key \(option.key)")
            for flag in option.allFlags {
                precondition(flags.insert(flag).inserted, "two options have the flag --\(flag)")
            }
        }
        self.options = options
    }

    /// The option with the config-file key `key`.
    public func option(forKey key: String) -> ConfigOption<Root>? { options.first { $0.key == key } }

    /// The option a flag spelling (canonical, alias or `no-` form) sets.
    public func option(forFlag flag: String) -> ConfigOption<Root>? { options.first { $0.allFlags.contains(flag) } }

    // MARK: Command line

    /// One spec per option (two per switch: `--FLAG` and `--no-FLAG`); the help ends with the
    /// default taken from `defaults` and, with `showingKeys` (for a configuration that has a
    /// config file), the config-file key.
    public func specs(defaults: Root, showingKeys: Bool = true) -> [OptionSpec] {
        options.flatMap { option -> [OptionSpec] in
            let shown = option.argument(in: defaults)
            let defaultText = option.defaultNote ?? (shown.isEmpty ? "none" : shown)
            var help = option.help
            if help.hasSuffix(".") { help.removeLast() }
            help += " (default: \(defaultText)\(showingKeys ? "; key \(option.key)" : "")\(Self.also(option.aliases)))."
            guard let placeholder = option.placeholder else {
                return [
                    .flag(option.flag, help, aliases: option.aliases),
                    .flag(
                        option.negatedFlag,
                        "Turns --\(option.flag) off\(showingKeys ? " (\(option.key) false\(Self.also(option.negatedAliases)))" : "").",
                        aliases: option.negatedAliases),
                ]
            }
            return [.value(option.flag, placeholder, help, aliases: option.aliases)]
        }
    }

    private static func also(_ aliases: [String]) -> String {
        aliases.isEmpty ? "" : "; also " + aliases.map { "--" + $0 }.joined(separator: ", ")
    }

    /// Sets every option given on the command line (parsed with `specs`).
    /// - Throws: `UsageError` naming the flag, for a value its type does not read or a
    ///   switch given both ways.
    public func apply(_ command: CommandOptions, to root: inout Root) throws(UsageError) {
        for option in options {
            if option.isSwitch {
                let on = command.flag(option.flag)
                let off = command.flag(option.negatedFlag)
                guard !(on && off) else {
                    throw UsageError("\(command.command): give --\(option.flag) or --\(option.negatedFlag), not both")
                }
                if on || off { option.set(switch: on, in: &root) }
            } else if let text = command.string(option.flag) {
                do throws(ConfigValueError) {
                    try option.set(argument: text, in: &root)
                } catch {
                    throw UsageError("\(command.command): --\(option.flag) \(error.reason)")
                }
            }
        }
    }

    // MARK: Config file

    /// Sets every option whose key the JSON object holds; absent keys keep their values.
    /// - Parameter source: what the messages name, e.g. `config file coordinator.json`.
    /// - Throws: `UsageError` with the line and column of the key, for a key no option has
    ///   (with the nearest known key when one is close), a key given twice, or a value of the
    ///   wrong type.
    /// - Complexity: O(keys × options).
    public func decode(_ json: JSONValue, into root: inout Root, source: String) throws(UsageError) {
        guard case .object(let members) = json else {
            throw UsageError("\(source): expected a JSON object of settings ({\"key\": value, …}), got \(json.kind)")
        }
        var seen: [String: JSONMember] = [:]
        for member in members {
            let at = "\(source), \(member.position)"
            guard let option = option(forKey: member.key) else {
                throw UsageError("\(at): unknown key '\(member.key)'\(hint(forUnknownKey: member.key))")
            }
            if let first = seen[member.key] {
                throw UsageError("\(at): key '\(member.key)' is given twice (first at \(first.position))")
            }
            seen[member.key] = member
            do throws(ConfigValueError) {
                try option.set(json: member.value, in: &root)
            } catch {
                throw UsageError("\(at): \(member.key) \(error.reason)")
            }
        }
    }

    /// Parses a config file's text and sets the options its keys name.
    /// - Throws: `UsageError`: not JSON (with the line and column), or as `decode(_:into:source:)`.
    /// - Complexity: O(text length + keys × options).
    public func decode(text: [UInt8], into root: inout Root, source: String) throws(UsageError) {
        let json: JSONValue
        do throws(JSONSyntaxError) {
            json = try JSONParser.parse(text)
        } catch {
            throw UsageError("\(source): not valid JSON at line \(error.line), column \(error.column): \(error.message)")
        }
        try decode(json, into: &root, source: source)
    }

    /// Every option's value as a config file would hold it, in declaration order.
    public func encode(_ root: Root) -> JSONValue {
        .object(options.map { JSONMember(key: $0.key, value: $0.json(in: root)) })
    }

    private func hint(forUnknownKey key: String) -> String {
        let asFlag = String(key.map { $0 == "_" ? "-" : $0 })
        if let option = option(forFlag: asFlag) { return "; did you mean '\(option.key)' (the key of --\(asFlag))?" }
        return NearestName.to(key, in: options.map(\.key)).map { "; did you mean '\($0)'?" } ?? ""
    }

    // MARK: Validation

    /// Checks every option's value against its rules.
    /// - Parameters:
    ///   - context: what the message starts with, e.g. `coordinator configuration`.
    ///   - namingKeys: name the config-file key beside the flag (false for a command without
    ///     a config file).
    /// - Throws: `UsageError` naming the key, the flag, the rule and the value.
    public func validate(_ root: Root, context: String, namingKeys: Bool = true) throws(UsageError) {
        for option in options {
            if let reason = option.failedCheck(in: root) {
                let name = namingKeys ? "\(option.key) (--\(option.flag))" : "--\(option.flag)"
                throw UsageError("\(context): \(name) \(reason), got \(option.argument(in: root))")
            }
        }
    }
}

extension ConfigSchema {
    /// The options of both schemas (a configuration and its lifted parts).
    public static func + (lhs: ConfigSchema, rhs: ConfigSchema) -> ConfigSchema { ConfigSchema(lhs.options + rhs.options) }

    /// The same options on a configuration that holds `Root` at `path`.
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Root> & Sendable) -> ConfigSchema<Outer> {
        ConfigSchema<Outer>(options.map { $0.lifted(path) })
    }
}
