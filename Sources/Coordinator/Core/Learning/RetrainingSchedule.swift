import Shared

/// When each retraining loop runs next. Pure: the driver passes the time in and arms a
/// timer for `nextDeadline`; the simulator checks it as virtual time advances.
public struct RetrainingSchedule: Sendable, Hashable {
    public let policy: RetrainingPolicy
    /// Next due time of each loop.
    public private(set) var nextRun: [ModelKind: Seconds]

    /// The first runs are one interval after `start`.
    public init(policy: RetrainingPolicy, start: Seconds) {
        self.policy = policy
        var next: [ModelKind: Seconds] = [:]
        for kind in ModelKind.allCases { next[kind] = start + policy.interval(for: kind) }
        nextRun = next
    }

    /// The earliest time a loop is due.
    public var nextDeadline: Seconds { nextRun.values.min() ?? .infinity }

    /// The loops due at `now`, each rescheduled one interval after `now` (a late check
    /// does not make runs pile up).
    public mutating func due(at now: Seconds) -> [ModelKind] {
        var kinds: [ModelKind] = []
        for kind in ModelKind.allCases where (nextRun[kind] ?? .infinity) <= now {
            kinds.append(kind)
            nextRun[kind] = now + policy.interval(for: kind)
        }
        return kinds
    }
}
