import Foundation
import Shared

/// Whether the real engine's Python environment is usable here, for the tests that start it.
/// The environment is `.venv-engine` in the repository (or `MAGNUS_ENGINE_VENV`), made by
/// deploy/setup-engine.sh; it is usable when its interpreter imports torch, transformers,
/// pyzmq and the engine package. When it is not, the tests that need it are skipped and a
/// banner on standard error says why and what to run.
enum RealEngineEnvironment {
    /// The repository root, derived from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The engine's virtual environment.
    static let venv: URL = {
        if let given = ProcessInfo.processInfo.environment["MAGNUS_ENGINE_VENV"], !given.isEmpty {
            return URL(fileURLWithPath: given, isDirectory: true)
        }
        return repositoryRoot.appendingPathComponent(".venv-engine", isDirectory: true)
    }()

    /// The folder holding `magnus_engine`.
    static let engineDirectory = repositoryRoot.appendingPathComponent("engine", isDirectory: true)

    /// The shared task data (`../shared/data` beside the repository, or `MAGNUS_DATA`), if present.
    static let dataDirectory: URL? = {
        let given = ProcessInfo.processInfo.environment["MAGNUS_DATA"].flatMap { $0.isEmpty ? nil : $0 }
        let url =
            given.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data", isDirectory: true)
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("gec.jsonl").path) ? url : nil
    }()

    /// Worker options that point at this environment.
    static var workerArguments: [String] {
        ["--engine", "real", "--engine-venv", venv.path, "--engine-dir", engineDirectory.path, "--device", "cpu"]
    }

    /// nil when the environment works; otherwise why not. Checked once (importing torch takes
    /// a few seconds); the first negative answer prints the banner.
    static let unavailableReason: String? = {
        let reason = check()
        if let reason {
            let line = String(repeating: "=", count: 100)
            Console.error(
                "\n\(line)\nSKIPPING the real-engine tests: \(reason)\nCreate the engine's environment with deploy/setup-engine.sh (a few minutes; CPU torch, transformers, SmolLM2), then run the tests again.\n\(line)\n"
            )
        }
        return reason
    }()

    /// Whether the real-engine tests can run.
    static var isAvailable: Bool { unavailableReason == nil }

    /// Whether the SmolLM2 integration test can run: the environment and the task data.
    static var hasData: Bool {
        guard isAvailable else { return false }
        if dataDirectory == nil {
            Console.error(
                "SKIPPING the SmolLM2 integration test: no task data in ../shared/data beside the repository (or MAGNUS_DATA)"
            )
        }
        return dataDirectory != nil
    }

    private static func check() -> String? {
        let python = venv.appendingPathComponent("bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            return "no Python environment at \(venv.path)"
        }
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", "import torch, transformers, zmq, magnus_engine"]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = engineDirectory.path
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "cannot run \(python.path): \(error)"
        }
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return "\(python.path) did not import torch within 120 s"
        }
        return process.terminationStatus == 0
            ? nil
            : "\(python.path) cannot import torch, transformers, pyzmq and magnus_engine (exit status \(process.terminationStatus))"
    }
}
