#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SignalTrap {
    /// The services' rule for SIGINT and SIGTERM: the first one drains (logging `draining`,
    /// which should say what a drain does and that a second signal stops at once), any
    /// further one stops at once.
    public static func drainThenStop(
        log: ServiceLog, draining: String, drain: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> Void
    ) -> SignalTrap {
        SignalTrap { signal, count in
            if count == 1 {
                log(.info, "signal \(signal): \(draining)")
                drain()
            } else {
                stop()
            }
        }
    }
}
