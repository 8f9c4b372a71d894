/// Percentiles of a latency distribution, in milliseconds; zero when there is no sample.
public struct LatencySummary: Codable, Sendable, Hashable {
    public var p50: Double
    public var p95: Double
    public var p99: Double
    /// How many samples the percentiles come from.
    public var samples: Int

    public init(p50: Double = 0, p95: Double = 0, p99: Double = 0, samples: Int = 0) {
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.samples = samples
    }
}
