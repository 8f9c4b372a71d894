#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ServiceSupport
import Synchronization
import Worker

/// One engine child process, started with `posix_spawn` in a process group of its own (so a
/// Ctrl-C meant for the worker's terminal does not reach it: the worker decides when it ends),
/// with SIGINT, SIGTERM, SIGHUP and SIGPIPE back at their default actions and no signal
/// blocked (the worker ignores SIGINT/SIGTERM itself, and ignored signals survive `exec`).
/// Standard input is `/dev/null`; standard output and error go to the worker's standard error.
///
/// The process is reaped by `exitDescription` (non-blocking `waitpid`), and signals are sent
/// only while it has not been reaped, so a recycled process id is never signalled.
final class EngineProcess: Sendable {
    /// The child's process id.
    let pid: pid_t
    /// How it ended, once reaped.
    private let ended = Mutex<String?>(nil)

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `executable` with `arguments` (without argv[0]) and exactly `environment`.
    /// - Throws: `EngineError` naming the executable and the `errno` text.
    static func spawn(executable: String, arguments: [String], environment: [String: String]) throws(EngineError)
        -> EngineProcess
    {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else {
            throw EngineError("cannot start \(executable): \(String(cString: strerror(code)))")
        }
        return EngineProcess(pid: pid)
    }

    /// nil while the process runs; once it has ended, how ("exited with status 1",
    /// "killed by signal 9"). Reaps the process the first time it sees it ended.
    var exitDescription: String? {
        ended.withLock { ended in
            if ended == nil { ended = Self.reap(pid) }
            return ended
        }
    }

    /// Whether the process still runs.
    var isRunning: Bool { exitDescription == nil }

    /// Sends `signal` unless the process has already been reaped.
    func send(_ signal: Int32) {
        ended.withLock { ended in
            if ended == nil { ended = Self.reap(pid) }
            if ended == nil { _ = kill(pid, signal) }
        }
    }

    /// Waits up to `timeout` seconds for the process to end; true if it has.
    @discardableResult
    func waitForExit(timeout: Double) -> Bool {
        var left = max(0, timeout)
        while isRunning {
            guard left > 0 else { return false }
            usleep(20_000)
            left -= 0.02
        }
        return true
    }

    /// SIGTERM, up to `grace` seconds to exit, then SIGKILL (and waits for that too).
    /// Idempotent.
    func terminate(grace: Double) {
        guard isRunning else { return }
        send(SIGTERM)
        if waitForExit(timeout: grace) { return }
        send(SIGKILL)
        waitForExit(timeout: 10)
    }

    /// Non-blocking `waitpid`: nil while the child runs.
    private static func reap(_ pid: pid_t) -> String? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 {
            return errno == EINTR ? nil : "ended (it could not be waited for: \(String(cString: strerror(errno))))"
        }
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "was killed by signal \(signal)"
    }
}
