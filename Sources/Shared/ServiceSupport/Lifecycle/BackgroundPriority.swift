#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lowers the calling thread's CPU priority, for background work (retraining) that must not
/// take the CPU from the service loop when cores are scarce. On Linux the nice value is per
/// thread, so only the caller is affected; elsewhere this does nothing.
public enum BackgroundPriority {
    /// Sets the calling thread's nice value (0 = normal, 19 = lowest).
    /// - Returns: whether it took effect.
    @discardableResult
    public static func lowerCurrentThread(nice: Int32 = 10) -> Bool {
        #if os(Linux)
        return setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) == 0
        #else
        return false
        #endif
    }
}
