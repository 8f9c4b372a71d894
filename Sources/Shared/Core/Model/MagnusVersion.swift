/// The release of this build, printed by every executable's `--version` beside the wire
/// protocol it speaks. One constant for the three executables and the docs.
public enum MagnusVersion {
    /// The release number (semantic versioning).
    public static let release = "0.18.0"

    /// The `--version` line of `program`: `magnus-worker 0.18.0 (wire protocol 1)`.
    public static func line(_ program: String) -> String {
        "\(program) \(release) (wire protocol \(WireProtocol.version))"
    }
}
