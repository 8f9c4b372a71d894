/// A wire message whose fields are all scalars or strings (no nested objects), so that its
/// unknown fields can be found from the top-level field names alone. `fieldNames` comes from
/// the message's `CodingKeys`, the same list its decoding uses.
public protocol FlatWireMessage: WireMessage {
    /// Every field the message reads, besides `v` and `type`.
    static var fieldNames: Set<String> { get }
}

extension SubmitMessage: FlatWireMessage {
    public static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))
}

extension CancelMessage: FlatWireMessage {
    public static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))
}

extension PingMessage: FlatWireMessage {
    public static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))
}
