import Shared

/// Writes service log lines to standard error: `[  12.345] component level: message`, with
/// the time in seconds since start. Lines below `minimum` are dropped.
public struct ServiceLog: Sendable {
    public var component: String
    public var minimum: LogLevel
    private let clock: MonotonicClock

    public init(component: String, minimum: LogLevel = .info, clock: MonotonicClock = MonotonicClock()) {
        self.component = component
        self.minimum = minimum
        self.clock = clock
    }

    public func callAsFunction(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard level >= minimum else { return }
        let milliseconds = Int(clock.now * 1000)
        let fraction = String(milliseconds % 1000)
        let stamp = "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
        Console.error("[\(stamp.leftPadded(to: 8))] \(component) \(level): \(message())")
    }
}
