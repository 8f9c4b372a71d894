/// The shape of a service's log lines on standard error.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// `2026-05-04T09:12:03.417Z coordinator info: message`: for people.
    case text
    /// One JSON object per line, `{"ts": …, "level": …, "component": …, "message": …}`: for
    /// log collectors.
    case json
}

extension LogFormat: ConfigChoice {}
