import Shared

/// How the coordinator serves continuous (iteration-level) workers: requests are queued one
/// by one, ordered by `order`, and admitted to a worker while `reservation` says they fit
/// (docs/benchmarks.md section 7 compares them). One interface for the baselines and
/// `magnus-cb`.
public struct ContinuousPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Which queued request a worker with room gets next.
    public enum Order: Sendable, Hashable, Codable {
        /// Earliest arrival first (a preempted request keeps its arrival, so it goes first).
        case firstComeFirstServed
        /// Shortest aged service first: the smallest S − aging · W, with S the estimator's T_p
        /// of the request alone (its prefill and its predicted remaining decoding, so a long
        /// prompt counts too) and W its wait. Shortest first at `aging` 0 (SRPT on
        /// predictions); every second of waiting is worth `aging` seconds of service, so
        /// nothing starves for `aging` > 0, and a large `aging` comes close to FCFS. Ties go to
        /// the older. (A response ratio (W + S) / S would not do: scaling W leaves its order
        /// unchanged.)
        case shortestFirst(aging: Double)
    }

    /// What a request holds of the worker's KV cache while it runs.
    public enum Reservation: Sendable, Hashable, Codable {
        /// L + max_new_tokens: it can never run out (conservative continuous batching).
        case worstCase
        /// L + the prediction's upper bound (the calibrated quantile under an uncertainty
        /// model, re-predicted from progress), at most L + max_new_tokens.
        case predictedUpper
        /// Nothing beyond the prompt: admitted while the worker's free blocks cover the
        /// prompt plus `watermark` × its cache (vLLM's rule); the worker preempts when short.
        case promptWithWatermark(Double)
    }

    public var name: String
    public var order: Order
    public var reservation: Reservation
    /// Under `shortestFirst`, the tail guard g (0 = off): a queued request whose predicted
    /// service time S satisfies g · S ≥ (Σ S of the queue) / (admissions running), that is
    /// whose own run would outlast the time the queue needs to drain, is due now, the longest
    /// first. Shortest-first alone leaves the long requests of a deep queue for last, where
    /// they run nearly alone and stretch the makespan; the guard starts each in time (the
    /// longest-processing-time rule) and costs the mean little, since they share the steps.
    public var tailGuard: Double

    public init(name: String, order: Order, reservation: Reservation, tailGuard: Double = 0) {
        self.name = name
        self.order = order
        self.reservation = reservation
        self.tailGuard = tailGuard.isFinite ? max(0, tailGuard) : 0
    }

    public var description: String { name }

    /// Default aging of `magnus-cb` (chosen by the sweep in docs/benchmarks.md section 7).
    public static let defaultAging = 2.0
    /// Default tail guard of `magnus-cb` (the same sweep).
    public static let defaultTailGuard = 0.0

    /// `ccb`: FCFS, reserving the worst case.
    public static let conservative = ContinuousPolicy(name: "ccb", order: .firstComeFirstServed, reservation: .worstCase)
    /// `fcfs-cb`: FCFS, paged admission with a 1 % watermark, preemption by recompute.
    public static let pagedFirstComeFirstServed = ContinuousPolicy(
        name: "fcfs-cb", order: .firstComeFirstServed, reservation: .promptWithWatermark(0.01))
    /// `magnus-cb`: shortest aged service first on predicted lengths, reserving its
    /// calibrated quantile.
    public static func magnus(aging: Double = defaultAging, tailGuard: Double = defaultTailGuard) -> ContinuousPolicy {
        ContinuousPolicy(name: "magnus-cb", order: .shortestFirst(aging: aging), reservation: .predictedUpper, tailGuard: tailGuard)
    }
    /// `oracle-cb`: true lengths, shortest remaining first, exact reservation.
    public static let oracle = ContinuousPolicy(name: "oracle-cb", order: .shortestFirst(aging: 0), reservation: .predictedUpper)

    /// Whether requests need a length prediction.
    public var usesPredictions: Bool {
        if case .shortestFirst = order { return true }
        return reservation == .predictedUpper
    }
}
