import Shared

/// The progress line of a paced load (`magnus load`): sent, answered and errors so far, the
/// answer rate over the last seconds, and an ETA, with a bar on a terminal:
///
///     magnus load: 12 s [######--------------] 31%  sent 640/2000  answered 612  errors 0  19.6 req/s  p50 0.42 s  ETA 1m09s
///
/// A pure value fed with the outcome so far and the time; it keeps the recent samples the
/// rate comes from.
public struct LoadProgress: Sendable {
    /// Requests to send in all; nil: until stopped.
    public let total: Int?
    /// When the last request is due, seconds from the start (nil: until stopped).
    public let lastDue: Double?
    /// Seconds the answer rate is measured over.
    public let rateWindow: Double
    private var samples: [(time: Double, finished: Int)] = []

    public init(total: Int?, lastDue: Double?, rateWindow: Double = 5) {
        self.total = total
        self.lastDue = lastDue
        self.rateWindow = rateWindow
    }

    /// Files the outcome at `o.seconds` and returns the line.
    /// - Parameters:
    ///   - recentP50: the median response time of recent answers, seconds (nil: none yet).
    ///   - barWidth: the bar's width in characters; nil for no bar (a log file).
    /// - Complexity: amortized O(1).
    public mutating func line(_ o: PacedLoad.Outcome, recentP50: Double?, barWidth: Int?) -> String {
        let errors = o.refused.values.reduce(0, +)
        let finished = o.answered + errors
        samples.append((o.seconds, finished))
        while let first = samples.first, o.seconds - first.time > rateWindow, samples.count > 2 { samples.removeFirst() }
        let oldest = samples[0]
        let span = o.seconds - oldest.time
        let rate = span > 0 ? Double(finished - oldest.finished) / span : 0

        var parts = ["magnus load: \(Format.fixed(o.seconds, 0)) s"]
        if let total {
            let share = total > 0 ? min(1, Double(finished) / Double(total)) : 1
            var bar = ""
            if let barWidth, barWidth > 0 {
                let filled = Int((share * Double(barWidth)).rounded(.down))
                bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "] "
            }
            parts.append(bar + "\(Int((share * 100).rounded(.down)))%")
            parts.append("sent \(o.submitted)/\(total)")
        } else {
            parts.append("sent \(o.submitted) (until stopped: Ctrl-C)")
        }
        parts.append("answered \(o.answered)")
        parts.append("errors \(errors)")
        parts.append("\(Format.fixed(rate, 1)) req/s")
        parts.append("p50 " + (recentP50.map { Format.fixed($0, 2) + " s" } ?? "–"))
        if let total, let lastDue {
            if o.submitted < total {
                parts.append("ETA " + Self.duration(max(0, lastDue - o.seconds) + (recentP50 ?? 0)))
            } else if finished < o.submitted {
                let waiting = o.submitted - finished
                parts.append("waiting for \(waiting) answer\(waiting == 1 ? "" : "s")"
                    + (rate > 0 ? ", ETA " + Self.duration(Double(waiting) / rate) : ""))
            }
        }
        return parts.joined(separator: "  ")
    }

    /// `45s`, `3m05s`, `2h07m`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m" + Self.twoDigits(whole % 60) + "s" }
        return "\(whole / 3600)h" + Self.twoDigits(whole / 60 % 60) + "m"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
