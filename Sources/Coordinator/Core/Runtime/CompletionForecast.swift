import Shared

/// Predicts when a queued request will finish, in coordinator seconds, for refusing
/// deadlines that cannot be met. The scheduler's batch estimates are in engine seconds
/// (modelled ones, for a simulated engine that may run faster than real time); this value
/// learns how many real seconds one estimated second takes, from dispatch-to-result times of
/// finished batches (an exponentially weighted mean, so it follows the cluster's pace).
///
/// The forecast: the estimated work queued ahead of the request's batch plus what is left of
/// the running batches, shared over the connected workers, plus the batch's own estimate.
/// It is an estimate: HRRN may serve the batch earlier than its place in creation order, and
/// later arrivals may join it.
public struct CompletionForecast: Sendable, Hashable {
    /// Real seconds per estimated second; 1 until batches are observed.
    public private(set) var scale = 1.0
    /// Batches observed so far.
    public private(set) var observations = 0
    /// Batches to observe before forecasts are trusted.
    public let minimumObservations: Int
    /// Weight of the newest observation.
    public let smoothing: Double

    public init(minimumObservations: Int = 3, smoothing: Double = 0.2) {
        precondition(minimumObservations >= 1 && (0...1).contains(smoothing))
        self.minimumObservations = minimumObservations
        self.smoothing = smoothing
    }

    /// Whether enough batches were observed for forecasts to be trusted.
    public var isCalibrated: Bool { observations >= minimumObservations }

    /// A batch estimated at `estimated` seconds came back `elapsed` real seconds after its
    /// dispatch. Degenerate values are ignored.
    public mutating func observe(estimated: Double, elapsed: Double) {
        guard estimated > 1e-6, elapsed.isFinite, elapsed >= 0 else { return }
        let ratio = min(1e6, max(1e-6, elapsed / estimated))
        scale = observations == 0 ? ratio : scale + smoothing * (ratio - scale)
        observations += 1
    }

    /// When the request that was just appended to the queued batch `batch` will finish, or nil
    /// when no forecast can be made (no worker connected, too few observations, batch not queued).
    /// - Complexity: O(queued batches + running batches).
    public func completion(ofBatch batch: BatchID, in scheduler: Scheduler, workers: Int, now: Double) -> Double? {
        guard isCalibrated, workers > 0 else { return nil }
        var ahead = 0.0
        var own: Double?
        for queued in scheduler.queue {
            if queued.id == batch {
                own = queued.estimatedTime * scale
                break
            }
            ahead += queued.estimatedTime * scale
        }
        guard let own else { return nil }
        for running in scheduler.running.values {
            ahead += max(0, running.estimatedTime * scale - (now - running.dispatchedAt))
        }
        return now + ahead / Double(workers) + own
    }
}
