/// Topics of the coordinator's status PUB socket: each status message is two frames, the
/// topic and the JSON payload. Subscribe by topic prefix.
public enum StatusTopic: String, Sendable, Hashable, CaseIterable {
    /// A `snapshot` every status interval.
    case snapshot
    /// One `event` per dispatch, completion, OOM split, requeue, worker up or down.
    case event
}
