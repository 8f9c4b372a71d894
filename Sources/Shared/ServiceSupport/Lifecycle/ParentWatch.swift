#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Notices when the process that started this one has gone (it is re-parented), so that
/// services started by a test harness or a supervisor do not outlive it.
public struct ParentWatch: Sendable {
    private let original: pid_t

    public init() { original = getppid() }

    /// True once the original parent process has exited.
    public var parentIsGone: Bool { getppid() != original }
}
