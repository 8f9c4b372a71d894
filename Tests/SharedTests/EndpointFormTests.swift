import Shared
import Testing

/// Endpoints are checked before libzmq sees them, with the expected form in the message.
@Suite struct EndpointFormTests {
    @Test func wellFormedEndpointsPass() {
        for endpoint in ["tcp://127.0.0.1:5555", "tcp://coordinator.internal:5556", "tcp://[::1]:5557", "ipc:///run/magnus/client", "inproc://x"] {
            #expect(EndpointForm.connect.problem(with: endpoint) == nil, "\(endpoint)")
        }
        for endpoint in ["tcp://*:5555", "tcp://127.0.0.1:*", "tcp://0.0.0.0:0", "tcp://eth0:5555"] {
            #expect(EndpointForm.bind.problem(with: endpoint) == nil, "\(endpoint)")
        }
    }

    @Test func commonSlipsAreExplained() {
        #expect(EndpointForm.connect.problem(with: "localhost:7555")
            == "'localhost:7555' is not a ZeroMQ address: write tcp://HOST:PORT (or ipc://PATH), e.g. tcp://localhost:7555")
        #expect(EndpointForm.connect.problem(with: "coordinator")?.contains("e.g. tcp://127.0.0.1:5555") == true)
        #expect(EndpointForm.connect.problem(with: "tcp://*:5555")?.contains("'*' binds every interface") == true)
        #expect(EndpointForm.connect.problem(with: "tcp://host:0")?.contains("1...65535") == true)
        #expect(EndpointForm.connect.problem(with: "tcp://host:99999")?.contains("1...65535") == true)
        #expect(EndpointForm.connect.problem(with: "tcp://host")?.contains("has no port") == true)
        #expect(EndpointForm.connect.problem(with: "http://host:80")?.contains("tcp:// or ipc://") == true)
        #expect(EndpointForm.connect.problem(with: "ipc://")?.contains("names no path") == true)
        #expect(EndpointForm.connect.problem(with: "")?.contains("is empty") == true)
        #expect(EndpointForm.connect.problem(with: "tcp://[::1:5555")?.contains("HOST must be") == true)
        #expect(EndpointForm.bind.problem(with: "*:5555")?.contains("e.g. tcp://*:5555") == true)
    }

    @Test func commandOptionsAndConfigChecksUseIt() throws {
        let options = try CommandOptions(
            command: "magnus submit", summary: "", specs: [.value("coordinator", "ENDPOINT", "", default: "tcp://127.0.0.1:5555")],
            arguments: ["--coordinator", "localhost:7555"])
        #expect(throws: UsageError.self) { try options.endpoint("coordinator") }
        do {
            _ = try options.endpoint("coordinator")
        } catch {
            #expect(error.description.hasPrefix("magnus submit: --coordinator 'localhost:7555' is not a ZeroMQ address: write tcp://HOST:PORT"))
        }
        let check = ConfigCheck<String>.endpoint(.connect)
        #expect(check.test("tcp://10.0.0.1:5556") && !check.test("10.0.0.1:5556"))
        #expect(check.reason.contains("tcp://HOST:PORT"))
    }
}
