import CoordinatorShell
import Shared
import Testing
import WorkerShell

/// What both services say about their command line: `--version`, and endpoints refused with
/// the expected form before libzmq sees them.
@Suite struct ServiceOptionsTests {
    @Test func bothServicesPrintTheirVersion() throws {
        let version = "(wire protocol \(WireProtocol.version))"
        #expect(try CoordinatorOptions.parse(["--version"]) == (nil, "magnus-coordinator \(MagnusVersion.release) \(version)"))
        #expect(try WorkerOptions.parse(["--version"]).help == "magnus-worker \(MagnusVersion.release) \(version)")
        #expect(try WorkerOptions.parse(["--version"]).parsed == nil)
    }

    @Test func endpointsAreCheckedWithTheExpectedForm() {
        func message(_ parse: () throws -> Void) -> String {
            do {
                try parse()
                return ""
            } catch {
                return "\(error)"
            }
        }
        let worker = message { _ = try WorkerOptions.parse(["--coordinator", "localhost:7555"]) }
        #expect(worker.contains("--coordinator must be of the form tcp://HOST:PORT (or ipc://PATH)") && worker.contains("got localhost:7555"), "\(worker)")
        let coordinator = message { _ = try CoordinatorOptions.parse(["--client-endpoint", "0.0.0.0:5555"]) }
        #expect(coordinator.contains("client_endpoint (--client-endpoint) must be of the form tcp://HOST:PORT"), "\(coordinator)")
        #expect(message { _ = try CoordinatorOptions.parse(["--client-endpoint", "tcp://*:5555"]) } == "")
    }
}
