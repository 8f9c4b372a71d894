/// Seconds since the service started, on a monotonic clock: the timestamps the real-time
/// drivers stamp on scheduler events.
public struct MonotonicClock: Sendable {
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    public init() { start = clock.now }

    /// Seconds elapsed since `init`.
    public var now: Double {
        let elapsed = (clock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }
}
