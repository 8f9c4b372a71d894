#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ServiceSupport
import Worker

/// Where the engine's Python interpreter and package are. Given folders are checked; missing
/// ones are searched for in the folder of the running executable and each folder above it
/// (a checkout's `.build/release/magnus-worker` finds the checkout), then in the current
/// folder and each folder above it: the first holding `.venv-engine/bin/python`, and the first
/// holding `engine/magnus_engine/__main__.py`.
public struct EngineLocation: Sendable, Hashable {
    /// `<venv>/bin/python`.
    public var python: String
    /// The folder to put on `PYTHONPATH` (it holds `magnus_engine/`).
    public var engineDirectory: String

    /// The venv folder name deploy/setup-engine.sh creates in the repository root.
    public static let venvName = ".venv-engine"

    /// Resolves the location for `settings`.
    /// - Throws: `EngineError` saying what is missing and to run deploy/setup-engine.sh.
    public static func resolve(
        venv: String?, engineDirectory: String?, executable: String = currentExecutable(),
        currentDirectory: String = workingDirectory()
    ) throws(EngineError) -> EngineLocation {
        let roots = ancestors(of: parent(of: executable)) + ancestors(of: currentDirectory)
        let python: String
        if let venv {
            python = join(absolute(venv, in: currentDirectory), "bin/python")
            guard isExecutable(python) else {
                throw EngineError(
                    "--engine-venv \(venv): \(python) is not an executable; create the environment with deploy/setup-engine.sh \(venv)"
                )
            }
        } else if let found = roots.lazy.map({ join($0, "\(venvName)/bin/python") }).first(where: isExecutable) {
            python = found
        } else {
            throw EngineError(
                "the real engine's Python environment was not found (looked for \(venvName)/bin/python beside the executable, in the current folder and the folders above them); run deploy/setup-engine.sh in the repository, or pass --engine-venv DIR"
            )
        }
        let directory: String
        if let engineDirectory {
            directory = absolute(engineDirectory, in: currentDirectory)
            guard exists(join(directory, "magnus_engine/__main__.py")) else {
                throw EngineError("--engine-dir \(engineDirectory): no magnus_engine package in \(directory)")
            }
        } else if let found = roots.lazy.map({ join($0, "engine") }).first(where: {
            exists(join($0, "magnus_engine/__main__.py"))
        }) {
            directory = found
        } else {
            throw EngineError(
                "the engine package (engine/magnus_engine) was not found beside the executable or in the current folder or above; run from a checkout of the repository, or pass --engine-dir DIR"
            )
        }
        return EngineLocation(python: python, engineDirectory: directory)
    }

    /// The running executable's real path (`/proc/self/exe`), or argv[0].
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 { return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return absolute(CommandLine.arguments.first ?? ".", in: workingDirectory())
    }

    /// The current folder.
    public static func workingDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var current = path
        while !current.isEmpty {
            result.append(current)
            let up = parent(of: current)
            if up == current { break }
            current = up
        }
        return result
    }

    private static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    private static func absolute(_ path: String, in folder: String) -> String {
        path.hasPrefix("/") ? path : join(folder, path)
    }

    private static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    private static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }
}
