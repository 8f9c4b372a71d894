import Foundation
import CoordinatorShell
import ServiceSupport
import WorkerShell
import Client
import Shared

#if canImport(Glibc)
import Glibc
#endif

/// A real cluster for end-to-end tests: the `magnus-coordinator` and `magnus-worker`
/// executables from the build products folder, on `ipc://` endpoints in a fresh temporary
/// folder, their standard error in log files there, the coordinator's log store there too
/// (`coordinator.sqlite`, so a restarted coordinator recovers). `stop()` ends every process (SIGTERM,
/// then SIGKILL); the processes also get `--exit-with-parent`, so a crashed test run does not
/// leave them behind.
///
/// The executables must be built: run `swift build --build-tests && swift test --skip-build`
/// (scripts/test.sh), or plain `swift test`, which builds them too.
final class Cluster {
    let directory: URL
    let clientEndpoint: String
    let workerEndpoint: String
    let statusEndpoint: String
    /// The coordinator's log store (journal and models), kept across `startCoordinator` calls.
    let logPath: String
    private(set) var coordinator: Process?
    private(set) var workers: [String: Process] = [:]
    private let timeScale: Double
    private let workerArguments: [String]
    /// The keys the harness's own client uses when the coordinator authenticates clients.
    let clientKeys: CurveClientKeys?

    /// Starts the coordinator and `workerCount` workers named `w0`, `w1`... and waits until
    /// all are connected (up to `startTimeout` seconds: real-engine workers load a model first).
    init(
        workers workerCount: Int, timeScale: Double, coordinatorArguments: [String] = [], workerArguments: [String] = [],
        clientKeys: CurveClientKeys? = nil, startTimeout: Double = 20
    ) throws {
        // ipc:// paths must stay under ~100 bytes: fall back to /tmp for a long TMPDIR.
        var base = FileManager.default.temporaryDirectory
        if base.path.utf8.count > 60 { base = URL(fileURLWithPath: "/tmp", isDirectory: true) }
        directory = base.appendingPathComponent("magnus-e2e-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        clientEndpoint = "ipc://\(directory.path)/client"
        workerEndpoint = "ipc://\(directory.path)/worker"
        statusEndpoint = "ipc://\(directory.path)/status"
        logPath = directory.appendingPathComponent("coordinator.sqlite").path
        self.timeScale = timeScale
        self.workerArguments = workerArguments
        self.clientKeys = clientKeys
        do {
            try startCoordinator(extra: coordinatorArguments)
            for index in 0..<workerCount { try startWorker("w\(index)") }
            try waitForWorkers(workerCount, timeout: startTimeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    // MARK: - Processes

    func startCoordinator(extra: [String] = []) throws {
        coordinator = try launch(
            "magnus-coordinator",
            [
                "--client-endpoint", clientEndpoint, "--worker-endpoint", workerEndpoint, "--status-endpoint", statusEndpoint,
                "--heartbeat-interval", "0.2", "--heartbeat-timeout", "1.5", "--status-interval", "0.2", "--drain-timeout", "10",
                "--exit-with-parent", "--log-path", logPath,
            ] + extra, log: "coordinator")
    }

    func startWorker(_ id: String, extra: [String] = []) throws {
        workers[id] = try launch(
            "magnus-worker",
            ["--coordinator", workerEndpoint, "--id", id, "--time-scale", "\(timeScale)", "--exit-with-parent"] + workerArguments
                + extra,
            log: id)
    }

    /// Sends `signal` to a worker process.
    func signal(worker id: String, _ signal: Int32) {
        guard let process = workers[id], process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    /// Sends `signal` to the coordinator.
    func signalCoordinator(_ signal: Int32) {
        guard let coordinator, coordinator.isRunning else { return }
        kill(coordinator.processIdentifier, signal)
    }

    /// Waits up to `timeout` seconds for a process to exit; its exit status, or nil if still running.
    @discardableResult
    static func waitForExit(_ process: Process, timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Ends every process: SIGTERM, up to 5 s to drain, then SIGKILL. Idempotent.
    func stop() {
        let all = Array(workers.values) + (coordinator.map { [$0] } ?? [])
        for process in all where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for process in all where Cluster.waitForExit(process, timeout: 5) == nil {
            kill(process.processIdentifier, SIGKILL)
            Cluster.waitForExit(process, timeout: 5)
        }
    }

    /// Removes the temporary folder (logs included); call after a passing test.
    func removeFiles() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every log, for a failure message.
    func logs() -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".log") }.sorted().map { name in
            let text = (try? String(contentsOfFile: directory.appendingPathComponent(name).path, encoding: .utf8)) ?? ""
            return "==> \(name) <==\n" + text.split(separator: "\n").suffix(60).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The whole log of the coordinator process started last.
    func coordinatorLog() -> String {
        (try? String(contentsOfFile: directory.appendingPathComponent("coordinator.log").path, encoding: .utf8)) ?? ""
    }

    /// Waits until the coordinator reports `count` connected workers.
    /// A subscriber to the status stream, returned once a snapshot proves the subscription
    /// live (so nothing dispatched afterwards is missed).
    func liveStatus() throws -> StatusSubscriber {
        let status = try StatusSubscriber(endpoint: statusEndpoint)
        for _ in 0..<50 {
            if case .snapshot = try status.receive(timeout: 0.2) { return status }
        }
        throw ClusterError("no status snapshot\n\(logs())")
    }

    func waitForWorkers(_ count: Int, timeout: Double = 20) throws {
        let client = try MagnusClient(endpoint: clientEndpoint, curve: clientKeys)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let pong = try client.ping(timeout: 1), pong.workers == count { return }
            usleep(50_000)
        }
        throw ClusterError("the coordinator did not see \(count) workers within \(timeout) s\n\(logs())")
    }

    private func launch(_ name: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = try Self.executable(name)
        process.arguments = arguments
        let logURL = directory.appendingPathComponent("\(log).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        try handle.seekToEnd()
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        return process
    }

    /// The build products folder: where the test bundle itself lives.
    static func executable(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let path = Bundle.main.executablePath { candidates.append(URL(fileURLWithPath: path).deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        // Fallback: the package's default debug products folder.
        candidates.append(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug"))
        for folder in candidates {
            let url = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw ClusterError(
            "\(name) not found next to the test bundle (\(candidates.map(\.path).joined(separator: ", "))); build first: swift build --build-tests && swift test --skip-build"
        )
    }
}

/// A cluster that could not be set up.
struct ClusterError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
