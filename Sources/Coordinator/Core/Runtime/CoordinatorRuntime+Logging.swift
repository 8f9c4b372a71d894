import Shared

extension CoordinatorRuntime {
    /// A log line, built only when `level` is at or above `settings.logLevel`: a debug line
    /// costs nothing at info level, whatever a peer put in the values it formats.
    func line(_ level: LogLevel, _ message: @autoclosure () -> String) -> [CoordinatorOutput] {
        level >= settings.logLevel ? [.log(level, message())] : []
    }

    /// Logs a worker's bad message at warning level once per worker and status interval;
    /// further ones are counted and summed up in one line at the next status snapshot, so a
    /// misbehaving peer cannot flood the log.
    mutating func noteBadMessage(from routingID: RoutingID, _ message: @autoclosure () -> String, into out: inout [CoordinatorOutput]) {
        let seen = badMessages[routingID, default: 0]
        badMessages[routingID] = seen + 1
        if seen == 0 { out += line(.warning, "worker \(routingID) \(message())") }
    }

    /// The summary of bad messages whose warnings were held back since the last call.
    mutating func flushBadMessageSummary(into out: inout [CoordinatorOutput]) {
        let held = badMessages.values.reduce(0) { $0 + max(0, $1 - 1) }
        if held > 0 {
            out += line(.warning, "\(held) more bad messages from \(badMessages.count) workers in the last status interval (one warning each logged)")
        }
        badMessages.removeAll(keepingCapacity: true)
    }
}
