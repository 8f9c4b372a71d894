#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Shared

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

extension Console {
    /// What a service's `main.swift` does with its parsed options: the value; or, for
    /// `--help`, the help text printed and a clean exit; or the usage error printed and exit
    /// status 2.
    public static func parsedOrExit<Value>(_ parse: () throws(UsageError) -> (Value?, String)) -> Value {
        do {
            let (value, help) = try parse()
            guard let value else {
                out(help)
                exit(0)
            }
            return value
        } catch {
            fail(error.description)
        }
    }
}
