import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One run of a built executable (`magnus`, `magnus-coordinator`, `magnus-worker`) with its
/// exit status, output and duration; killed if it outlives `timeout`.
struct CommandRun {
    var status: Int32
    var output: String
    var errors: String
    var seconds: Double

    /// Runs `name` with `arguments`; `interruptAfter` sends SIGINT that many seconds in.
    static func run(_ name: String, _ arguments: [String], timeout: Double = 30, interruptAfter: Double? = nil) throws -> CommandRun {
        let process = Process()
        process.executableURL = try Cluster.executable(name)
        process.arguments = arguments
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("magnus-run-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files, not pipes: a chatty child cannot block on a full pipe.
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let start = Date()
        try process.run()
        var interrupted = false
        while process.isRunning && Date().timeIntervalSince(start) < timeout {
            if let after = interruptAfter, !interrupted, Date().timeIntervalSince(start) >= after {
                kill(process.processIdentifier, SIGINT)
                interrupted = true
            }
            usleep(20_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return CommandRun(
            status: process.terminationStatus, output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            errors: (try? String(contentsOf: err, encoding: .utf8)) ?? "", seconds: Date().timeIntervalSince(start))
    }
}
