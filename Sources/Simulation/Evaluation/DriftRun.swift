import Coordinator
import Shared

/// One simulated run of the drift scenario, with or without retraining.
public struct DriftRun: Sendable {
    public var label: String
    public var metrics: SimulationMetrics
    /// Every finished request, in finish order.
    public var completions: [SimulatedLearning.Completion]
    /// Candidates trained (empty without retraining).
    public var retrainings: [SimulatedLearning.Retraining]
    /// Wall-clock seconds the run took, retraining included.
    public var wallSeconds: Double

    /// Mean |G′ − G| of the requests that arrived in `range`, optionally of one application.
    public func meanAbsoluteError(arrivedIn range: Range<Double>, application: String? = nil) -> Double {
        let rows = completions.filter {
            range.contains($0.arrival) && (application == nil || $0.application == application)
        }
        guard !rows.isEmpty else { return .nan }
        return rows.reduce(0) { $0 + Double(abs($1.predicted - $1.generated)) } / Double(rows.count)
    }

    /// Mean G′ − G (positive: over-prediction) of the requests that arrived in `range`.
    public func bias(arrivedIn range: Range<Double>, application: String? = nil) -> Double {
        let rows = completions.filter {
            range.contains($0.arrival) && (application == nil || $0.application == application)
        }
        guard !rows.isEmpty else { return .nan }
        return rows.reduce(0) { $0 + Double($1.predicted - $1.generated) } / Double(rows.count)
    }

    /// Requests that arrived in `range`: completions per second from the range's start to
    /// the last of them finishing, their mean and p99 response times.
    public func service(arrivedIn range: Range<Double>) -> (throughput: Double, meanResponse: Double, p99Response: Double) {
        let rows = completions.filter { range.contains($0.arrival) }
        guard let last = rows.map(\.finishedAt).max(), last > range.lowerBound else { return (.nan, .nan, .nan) }
        let times = rows.map(\.responseTime).sorted()
        let p99 = times[min(times.count - 1, Int((0.99 * Double(times.count - 1)).rounded()))]
        return (Double(rows.count) / (last - range.lowerBound), times.reduce(0, +) / Double(times.count), p99)
    }

    /// The run cut into windows of `width` seconds of arrival time.
    public func windows(width: Double, newApplication: String, grownApplication: String) -> [DriftWindow] {
        guard let end = completions.map(\.arrival).max() else { return [] }
        var windows: [DriftWindow] = []
        var start = 0.0
        while start <= end {
            let range = start..<(start + width)
            let rows = completions.filter { range.contains($0.arrival) }
            if !rows.isEmpty {
                windows.append(
                    DriftWindow(
                        start: start, count: rows.count, meanAbsoluteError: meanAbsoluteError(arrivedIn: range),
                        newApplicationError: meanAbsoluteError(arrivedIn: range, application: newApplication),
                        grownApplicationError: meanAbsoluteError(arrivedIn: range, application: grownApplication),
                        meanResponse: rows.reduce(0) { $0 + $1.responseTime } / Double(rows.count)))
            }
            start += width
        }
        return windows
    }
}
