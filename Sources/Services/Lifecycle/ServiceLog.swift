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
        let time = clock.now
        let stamp = String(Int(time * 1000)).leftPadded(to: 7)
        let seconds = stamp.dropLast(3) + "." + stamp.suffix(3)
        Console.error("[\(seconds.leftPadded(to: 8))] \(component) \(level): \(message())")
    }
}

extension StringProtocol {
    func leftPadded(to width: Int) -> String {
        count >= width ? String(self) : String(repeating: " ", count: width - count) + self
    }
}
