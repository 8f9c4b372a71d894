import Foundation
import Shared
import Testing

/// A newcomer's first commands against the real executables: versions, a mistyped endpoint,
/// no coordinator, logs a collector can read, a load that runs until stopped.
@Suite("First contact (commands)", .serialized)
struct FirstContactCommandTests {
    /// An endpoint that nothing listens on: a socket path that does not exist.
    static func deadEndpoint() -> String {
        "ipc://\(NSTemporaryDirectory())magnus-nobody-\(UUID().uuidString.prefix(8))"
    }

    @Test func everyExecutablePrintsItsVersion() throws {
        for name in ["magnus", "magnus-coordinator", "magnus-worker"] {
            let run = try CommandRun.run(name, ["--version"], timeout: 10)
            #expect(run.status == 0)
            #expect(run.output == "\(name) \(MagnusVersion.release) (wire protocol \(WireProtocol.version))\n", "\(run.output)")
        }
    }

    @Test func aMistypedEndpointIsRefusedAtOnceWithTheForm() throws {
        let submit = try CommandRun.run("magnus", ["submit", "--coordinator", "localhost:7555", "--input", "hi"], timeout: 10)
        #expect(submit.status == 2 && submit.seconds < 3)
        #expect(submit.errors.contains("'localhost:7555' is not a ZeroMQ address: write tcp://HOST:PORT (or ipc://PATH), e.g. tcp://localhost:7555"))
        let status = try CommandRun.run("magnus", ["status", "--status", "localhost:7557"], timeout: 10)
        #expect(status.status == 2 && status.errors.contains("tcp://HOST:PORT"))
        let worker = try CommandRun.run("magnus-worker", ["--coordinator", "localhost:7555"], timeout: 10)
        #expect(worker.status == 2 && worker.errors.contains("--coordinator must be of the form tcp://HOST:PORT (or ipc://PATH)"), "\(worker.errors)")
    }

    @Test func noCoordinatorIsSaidWithinTheConnectTimeout() throws {
        let endpoint = Self.deadEndpoint()
        for command in [["submit", "--coordinator", endpoint, "--input", "hi"], ["load", "--coordinator", endpoint, "--synthetic"]] {
            let run = try CommandRun.run("magnus", command + ["--connect-timeout", "1"], timeout: 20)
            #expect(run.status == 1, "\(run.errors)")
            #expect(run.errors.contains("no coordinator answering at \(endpoint)"), "\(run.errors)")
            #expect(run.seconds < 5)
        }
        let status = try CommandRun.run("magnus", ["status", "--status", endpoint, "--connect-timeout", "1"], timeout: 20)
        #expect(status.status == 1 && status.errors.contains("no coordinator answering at \(endpoint)"), "\(status.errors)")
        // A script's --timeout also bounds the wait for the connection (a coordinator still starting).
        let waiting = try CommandRun.run("magnus", ["status", "--status", endpoint, "--timeout", "2"], timeout: 20)
        #expect(waiting.status == 1 && waiting.errors.contains("within 2 s") && waiting.seconds >= 1.9, "\(waiting.errors)")
        // The default is 5 s, not the answer timeout (120 s).
        let plain = try CommandRun.run("magnus", ["submit", "--coordinator", endpoint, "--input", "hi"], timeout: 20)
        #expect(plain.status == 1 && plain.seconds >= 4.5 && plain.seconds < 9, "\(plain.seconds) s")
    }

    @Test(.timeLimit(.minutes(1)))
    func jsonLogsAndALoadUntilStopped() throws {
        let cluster = try Cluster(
            workers: 2, timeScale: 400, coordinatorArguments: ["--log-format", "json"], workerArguments: ["--log-format", "json"])
        defer { cluster.stop() }
        let load = try CommandRun.run(
            "magnus",
            ["load", "--coordinator", cluster.clientEndpoint, "--synthetic", "--requests", "0", "--rate", "100", "--progress-interval", "0.5",
             "--application", "gec,chat"],
            timeout: 30, interruptAfter: 3)
        #expect(load.status == 0, "\(load.errors)")
        #expect(load.errors.contains("requests until interrupted (Ctrl-C)"))
        #expect(load.errors.contains("warning: unknown application 'chat' (did you mean llm_chat?)"), "\(load.errors)")
        let progress = load.errors.split(separator: "\n").filter { $0.hasPrefix("magnus load: ") && $0.contains("sent ") }
        #expect(progress.count >= 3, "periodic lines when standard error is not a terminal: \(load.errors)")
        #expect(progress.allSatisfy { $0.contains("(until stopped: Ctrl-C)") && !$0.contains("/200000") })
        #expect(load.errors.contains("magnus load: stopped; waited for the answers of what was sent"))
        #expect(load.output.contains("| submitted |"))
        let status = try CommandRun.run("magnus", ["status", "--status", cluster.statusEndpoint], timeout: 20)
        #expect(status.status == 0 && status.output.contains("2 workers"), "\(status.errors)")
        cluster.stop()

        // Every line each service wrote is one JSON object with the four fields.
        for name in ["coordinator", "w0"] {
            let text = try String(contentsOf: cluster.directory.appendingPathComponent("\(name).log"), encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.count >= 2)
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
                #expect(object.map { Set($0.keys) } == ["ts", "level", "component", "message"], "\(line)")
                #expect(object?["ts"]?.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil, "\(line)")
            }
        }
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func textLogsCarryTheWallClockTime() throws {
        let cluster = try Cluster(workers: 1, timeScale: 400)
        defer { cluster.stop() }
        cluster.stop()
        let lines = cluster.coordinatorLog().split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.prefixMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z coordinator (debug|info|warning|error): /#) != nil, "\(line)")
        }
        cluster.removeFiles()
    }
}
