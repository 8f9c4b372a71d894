import Shared

/// Writes service log lines to standard error, stamped with the wall-clock time in UTC:
/// `2026-05-04T09:12:03.417Z coordinator info: message`, or with `format: .json` one JSON
/// object per line, `{"ts":"2026-05-04T09:12:03.417Z","level":"info","component":"coordinator","message":"…"}`.
/// Lines below `minimum` are dropped (and their message is not built).
///
/// This is the one place a service reads the wall clock: the cores log through values
/// (`CoordinatorOutput.log`) without a time, and the shell passes them here.
public struct ServiceLog: Sendable {
    public var component: String
    public var minimum: LogLevel
    public var format: LogFormat
    private let wallClock: @Sendable () -> WallTime

    /// - Parameter wallClock: the time of each line; the system's real-time clock by default
    ///   (tests pass a fixed one).
    public init(
        component: String, minimum: LogLevel = .info, format: LogFormat = .text,
        wallClock: @escaping @Sendable () -> WallTime = WallTime.now
    ) {
        self.component = component
        self.minimum = minimum
        self.format = format
        self.wallClock = wallClock
    }

    public func callAsFunction(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard level >= minimum else { return }
        Console.error(line(level, message()))
    }

    /// The line `callAsFunction` writes for `message` now, without the newline.
    public func line(_ level: LogLevel, _ message: String) -> String {
        Self.line(level, message, component: component, format: format, at: wallClock())
    }

    /// One log line, without the newline. A text line keeps the message as it is; a JSON
    /// line escapes it, so a message with newlines stays one line.
    public static func line(_ level: LogLevel, _ message: String, component: String, format: LogFormat, at time: WallTime) -> String {
        switch format {
        case .text:
            return "\(time.iso8601) \(component) \(level): \(message)"
        case .json:
            return "{\"ts\":\"\(time.iso8601)\",\"level\":\"\(level)\",\"component\":\(JSONValue.quoted(component)),"
                + "\"message\":\(JSONValue.quoted(message))}"
        }
    }
}
