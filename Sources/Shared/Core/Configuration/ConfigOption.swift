/// One option of a configuration, declared once: its config-file key, its flag (derived from
/// the key) and older flag spellings, its help, its type and place (a key path into `Root`),
/// and its checks. The default is the value a fresh `Root()` holds. `ConfigSchema` derives
/// from a list of them the command-line specs, the help text, the config-file reader and
/// writer, and validation.
///
/// Flags follow keys: `wma_threshold` is `--wma-threshold`, and a trailing `_s` (seconds)
/// is dropped: `heartbeat_interval_s` is `--heartbeat-interval`. A `Bool` is a switch:
/// `--name` sets it, `--no-name` clears it.
public struct ConfigOption<Root>: Sendable {
    /// The config-file key (`snake_case`).
    public let key: String
    /// The flag, without `--`.
    public let flag: String
    /// Other spellings of the flag, kept for scripts (`phi` for `wma-threshold`).
    public let aliases: [String]
    /// For a switch: other spellings of `--no-FLAG` (`accept-missed-deadlines`).
    public let negatedAliases: [String]
    /// The value's placeholder in help; nil for a switch.
    public let placeholder: String?
    /// One or two sentences for `--help`.
    public let help: String
    /// What the default means when it is not a plain value (`the profile's`, `no limit`).
    public let defaultNote: String?
    /// The reasons of the option's checks, for help and docs.
    public let rules: [String]

    private let readArgument: @Sendable (Root) -> String
    private let readJSON: @Sendable (Root) -> JSONValue
    private let writeArgument: @Sendable (inout Root, String) throws(ConfigValueError) -> Void
    private let writeJSON: @Sendable (inout Root, JSONValue) throws(ConfigValueError) -> Void
    private let writeSwitch: (@Sendable (inout Root, Bool) -> Void)?
    private let failure: @Sendable (Root) -> String?

    /// Declares an option.
    /// - Parameters:
    ///   - key: the config-file key; the flag is derived from it.
    ///   - path: where the value lives in `Root`.
    ///   - placeholder: the value's placeholder in help (default: the type's, e.g. `N`).
    ///   - check: rules the value (for an optional: a present value) must follow.
    public init<Value: ConfigValue>(
        _ key: String, _ path: WritableKeyPath<Root, Value> & Sendable, _ placeholder: String? = nil, help: String,
        aliases: [String] = [], negatedAliases: [String] = [], defaultNote: String? = nil,
        check: [ConfigCheck<Value.Checked>] = []
    ) {
        self.key = key
        self.flag = Self.flag(forKey: key)
        self.aliases = aliases
        self.negatedAliases = negatedAliases
        let isSwitch = Value.switched(true) != nil
        self.placeholder = isSwitch ? nil : placeholder ?? Value.placeholder
        self.help = help
        self.defaultNote = defaultNote
        self.rules = check.map(\.reason)
        readArgument = { $0[keyPath: path].argument }
        readJSON = { $0[keyPath: path].json }
        writeArgument = { root, text throws(ConfigValueError) in root[keyPath: path] = try Value(argument: text) }
        writeJSON = { root, json throws(ConfigValueError) in root[keyPath: path] = try Value(json: json) }
        if isSwitch {
            writeSwitch = { (root: inout Root, on: Bool) in
                if let value = Value.switched(on) { root[keyPath: path] = value }
            }
        } else {
            writeSwitch = nil
        }
        failure = { root in
            guard let value = root[keyPath: path].checked else { return nil }
            return check.first { !$0.test(value) }?.reason
        }
    }

    private init(
        key: String, flag: String, aliases: [String], negatedAliases: [String], placeholder: String?, help: String,
        defaultNote: String?, rules: [String], readArgument: @escaping @Sendable (Root) -> String,
        readJSON: @escaping @Sendable (Root) -> JSONValue,
        writeArgument: @escaping @Sendable (inout Root, String) throws(ConfigValueError) -> Void,
        writeJSON: @escaping @Sendable (inout Root, JSONValue) throws(ConfigValueError) -> Void,
        writeSwitch: (@Sendable (inout Root, Bool) -> Void)?, failure: @escaping @Sendable (Root) -> String?
    ) {
        self.key = key
        self.flag = flag
        self.aliases = aliases
        self.negatedAliases = negatedAliases
        self.placeholder = placeholder
        self.help = help
        self.defaultNote = defaultNote
        self.rules = rules
        self.readArgument = readArgument
        self.readJSON = readJSON
        self.writeArgument = writeArgument
        self.writeJSON = writeJSON
        self.writeSwitch = writeSwitch
        self.failure = failure
    }

    /// The flag of a key: `_` becomes `-`, and a trailing `_s` (seconds) is dropped.
    public static func flag(forKey key: String) -> String {
        let base = key.hasSuffix("_s") && key.count > 2 ? String(key.dropLast(2)) : key
        return base.replacingAll("_", with: "-")
    }

    /// Whether the option is an on/off switch (`--FLAG` / `--no-FLAG`) rather than a value.
    public var isSwitch: Bool { writeSwitch != nil }
    /// The flag that turns a switch off.
    public var negatedFlag: String { "no-" + flag }
    /// Every flag spelling that sets this option.
    public var allFlags: [String] { [flag] + aliases + (isSwitch ? [negatedFlag] + negatedAliases : []) }

    /// The option's value in `root`, as a command-line argument.
    public func argument(in root: Root) -> String { readArgument(root) }
    /// The option's value in `root`, as a config file holds it.
    public func json(in root: Root) -> JSONValue { readJSON(root) }
    /// Sets the option from a command-line argument.
    public func set(argument: String, in root: inout Root) throws(ConfigValueError) { try writeArgument(&root, argument) }
    /// Sets the option from its config-file value.
    public func set(json: JSONValue, in root: inout Root) throws(ConfigValueError) { try writeJSON(&root, json) }
    /// Turns a switch on or off; does nothing for an option that takes a value.
    public func set(switch on: Bool, in root: inout Root) { writeSwitch?(&root, on) }
    /// The reason the option's value in `root` breaks one of its checks, or nil.
    public func failedCheck(in root: Root) -> String? { failure(root) }

    /// The same option on a configuration that holds `Root` at `path` (a part such as
    /// `CoordinatorConfiguration.storage`, whose keys sit in the same flat object).
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Root> & Sendable) -> ConfigOption<Outer> {
        let (readArgument, readJSON, writeArgument, writeJSON, failure) =
            (self.readArgument, self.readJSON, self.writeArgument, self.writeJSON, self.failure)
        var liftedSwitch: (@Sendable (inout Outer, Bool) -> Void)?
        if let writeSwitch = self.writeSwitch {
            liftedSwitch = { (outer: inout Outer, on: Bool) in writeSwitch(&outer[keyPath: path], on) }
        }
        return ConfigOption<Outer>(
            key: key, flag: flag, aliases: aliases, negatedAliases: negatedAliases, placeholder: placeholder, help: help,
            defaultNote: defaultNote, rules: rules, readArgument: { readArgument($0[keyPath: path]) },
            readJSON: { readJSON($0[keyPath: path]) },
            writeArgument: { outer, text throws(ConfigValueError) in try writeArgument(&outer[keyPath: path], text) },
            writeJSON: { outer, json throws(ConfigValueError) in try writeJSON(&outer[keyPath: path], json) },
            writeSwitch: liftedSwitch,
            failure: { failure($0[keyPath: path]) })
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
