import Shared

/// The command-line options of a CURVE client of the coordinator (`magnus-worker`, `magnus
/// submit`, `load`, `status`): its secret key file and the coordinator's public key.
public enum CurveOptions {
    public static let specs: [OptionSpec] = [
        .value(
            "curve-secret-key-file", "FILE",
            "This peer's CURVE secret key (from `magnus keygen`, mode 0600); with --coordinator-key, connect authenticated."),
        .value("coordinator-key", "KEY|FILE", "The coordinator's CURVE public key: 40 Z85 characters or its .pub file."),
    ]

    /// The keys, or nil when neither option is given.
    /// - Throws: `UsageError` when only one is given or a key file is unusable.
    public static func parse(_ options: CommandOptions) throws(UsageError) -> CurveClientKeys? {
        let secret = options.string("curve-secret-key-file")
        let server = options.string("coordinator-key")
        switch (secret, server) {
        case (nil, nil): return nil
        case (let secret?, let server?):
            do {
                return try CurveClientKeys.load(secretKeyFile: secret, serverKey: server)
            } catch {
                throw UsageError("\(options.command): \(error)")
            }
        default:
            throw UsageError("\(options.command): give both --curve-secret-key-file and --coordinator-key, or neither")
        }
    }
}
