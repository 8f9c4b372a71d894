/// A message of the wire protocol: a Codable value whose fields are encoded flat beside
/// `"v"` and `"type"` in one JSON object.
public protocol WireMessage: Codable, Sendable, Hashable {
    /// The `"type"` field that names this message on the wire, e.g. `"submit"`.
    static var type: String { get }
}
