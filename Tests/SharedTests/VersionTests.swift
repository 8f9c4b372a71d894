import Shared
import Testing

/// `--version`: one constant, printed by every command with the wire protocol version.
@Suite struct VersionTests {
    @Test func versionIsAnOptionOfEveryCommand() throws {
        let options = try CommandOptions(command: "magnus-worker", summary: "s", specs: [], arguments: ["--version"])
        #expect(options.requestedText == "magnus-worker \(MagnusVersion.release) (wire protocol \(WireProtocol.version))")
        #expect(try CommandOptions(command: "magnus submit", summary: "s", specs: [], arguments: ["--version"]).requestedText?.hasPrefix("magnus 0.") == true)
        #expect(try CommandOptions(command: "x", summary: "s", specs: [], arguments: ["--version", "--help"]).requestedText?.hasPrefix("x: s") == true)
        #expect(try CommandOptions(command: "x", summary: "s", specs: [], arguments: []).requestedText == nil)
        #expect(try CommandOptions(command: "x", summary: "s", specs: [], arguments: []).help.contains("--version"))
        #expect(MagnusVersion.release.split(separator: ".").count == 3)
    }
}
