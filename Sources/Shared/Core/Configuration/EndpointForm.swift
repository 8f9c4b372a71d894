/// The ZeroMQ addresses Magnus takes, checked before libzmq sees them (libzmq says only
/// `EINVAL` for `localhost:5555`): `tcp://HOST:PORT` (HOST a name, an IPv4 address or a
/// bracketed IPv6 address), `ipc://PATH`, or `inproc://NAME`. The same rules as the Python
/// client's `validate_endpoint` (clients/python/magnus_client/endpoint.py).
public enum EndpointForm: Sendable {
    /// Connecting (clients, workers): one host and one port 1...65535.
    case connect
    /// Binding (the coordinator's sockets): HOST may be `*` (every interface) and PORT `*`
    /// or 0 (any free port).
    case bind

    /// The expected form, for messages.
    public static let expected = "tcp://HOST:PORT (or ipc://PATH)"

    /// What is wrong with `endpoint`, as the end of a sentence that starts with its name, or
    /// nil when it is well-formed: `'localhost:7555' is not a ZeroMQ address: write
    /// tcp://HOST:PORT (or ipc://PATH), e.g. tcp://localhost:7555`.
    /// - Complexity: O(length of `endpoint`).
    public func problem(with endpoint: String) -> String? {
        if endpoint.isEmpty { return "is empty: write \(Self.expected), e.g. \(example)" }
        for scheme in ["ipc://", "inproc://"] where endpoint.hasPrefix(scheme) {
            return endpoint.count > scheme.count ? nil : "'\(endpoint)' names no path: write e.g. \(scheme)/run/magnus/client"
        }
        guard let schemeEnd = endpoint.range(of: "://") else {
            let hint = Self.looksLikeHostAndPort(endpoint) ? "tcp://\(endpoint)" : example
            return "'\(endpoint)' is not a ZeroMQ address: write \(Self.expected), e.g. \(hint)"
        }
        guard endpoint[..<schemeEnd.lowerBound] == "tcp" else {
            return "'\(endpoint)': the transport must be tcp:// or ipc://, e.g. \(example)"
        }
        let address = endpoint[schemeEnd.upperBound...]
        guard let colon = address.lastIndex(of: ":") else {
            return "'\(endpoint)' has no port: write \(Self.expected), e.g. \(example)"
        }
        let host = address[..<colon]
        let port = address[address.index(after: colon)...]
        guard Self.isHost(host) || (self == .bind && host == "*") else {
            if host == "*" {
                return "'\(endpoint)': '*' binds every interface; connect to one host, e.g. tcp://127.0.0.1:\(port)"
            }
            return "'\(endpoint)' is not of the form \(Self.expected): HOST must be a name, an IPv4 address or [an IPv6 address]"
        }
        if self == .bind && port == "*" { return nil }
        guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCIIDigit), let number = Int(port),
            (self == .bind ? 0 : 1)...65535 ~= number
        else {
            return "'\(endpoint)': the port must be a number in 1...65535, e.g. \(example)"
        }
        return nil
    }

    private var example: String { self == .bind ? "tcp://*:5555" : "tcp://127.0.0.1:5555" }

    private static func isHost(_ host: Substring) -> Bool {
        if host.hasPrefix("[") {
            return host.count > 2 && host.hasSuffix("]") && host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        return !host.isEmpty && !host.contains(where: { $0 == ":" || $0 == "/" || $0 == "*" || $0 == "[" || $0 == "]" || $0.isWhitespace })
    }

    /// `host:port` without a scheme, the commonest slip.
    private static func looksLikeHostAndPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let port = text[text.index(after: colon)...]
        return isHost(text[..<colon]) && !port.isEmpty && port.allSatisfy(\.isASCIIDigit)
    }
}

extension ConfigCheck where Value == String {
    /// A well-formed ZeroMQ address for `form` (`EndpointForm`).
    public static func endpoint(_ form: EndpointForm) -> ConfigCheck {
        ConfigCheck("must be of the form \(EndpointForm.expected), e.g. \(form == .bind ? "tcp://*:5555" : "tcp://10.0.0.1:5556")") {
            form.problem(with: $0) == nil
        }
    }
}

extension CommandOptions {
    /// The value of an endpoint option, checked for `form`.
    /// - Throws: `UsageError` naming the option, the value and the expected form.
    public func endpoint(_ name: String, _ form: EndpointForm = .connect) throws(UsageError) -> String? {
        guard let value = string(name) else { return nil }
        if let problem = form.problem(with: value) { throw UsageError("\(command): --\(name) \(problem)") }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
