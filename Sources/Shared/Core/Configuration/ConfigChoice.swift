/// A `ConfigValue` that is one of a fixed set of names (`open|curve`, `full|normal`): the
/// command line and the config file take the same spellings, in any letter case.
public protocol ConfigChoice: ConfigValue, CaseIterable {}

extension ConfigChoice {
    /// The choices, `a|b|c`.
    public static var placeholder: String { allCases.map(\.argument).joined(separator: "|") }

    public init(argument text: String) throws(ConfigValueError) {
        guard let match = Self.allCases.first(where: { $0.argument == text.lowercased() }) else {
            throw ConfigValueError("must be \(Self.choiceList), got '\(text)'")
        }
        self = match
    }

    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .string(let text) = json else { throw ConfigValueError("must be \(Self.choiceList), got \(json.kind)") }
        try self.init(argument: text)
    }

    public var json: JSONValue { .string(argument) }

    /// `a, b or c`.
    public static var choiceList: String {
        let names = allCases.map(\.argument)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

extension ConfigChoice where Self: RawRepresentable, RawValue == String {
    public var argument: String { rawValue }
}
