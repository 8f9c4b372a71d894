import Client
import Testing

/// `magnus load`'s progress line.
@Suite struct LoadProgressTests {
    static func outcome(seconds: Double, submitted: Int, answered: Int, refused: Int = 0) -> PacedLoad.Outcome {
        var o = PacedLoad.Outcome()
        o.seconds = seconds
        o.submitted = submitted
        o.answered = answered
        if refused > 0 { o.refused["overloaded"] = refused }
        return o
    }

    @Test func boundedRunShowsBarShareRateAndETA() {
        var progress = LoadProgress(total: 200, lastDue: 10)
        _ = progress.line(Self.outcome(seconds: 1, submitted: 20, answered: 10), recentP50: nil, barWidth: 10)
        let line = progress.line(Self.outcome(seconds: 3, submitted: 60, answered: 48, refused: 2), recentP50: 0.5, barWidth: 10)
        #expect(line.hasPrefix("magnus load: 3 s"), "scripts/chaos.sh filters progress lines by this prefix")
        #expect(line.contains("[##--------] 25%"))
        #expect(line.contains("sent 60/200") && line.contains("answered 48") && line.contains("errors 2"))
        #expect(line.contains("20.0 req/s"), "(50 - 10) finished in 2 s")
        #expect(line.contains("p50 0.50 s") && line.contains("ETA 8s"), "\(line)")
        // In a log file: no bar.
        var plain = LoadProgress(total: 200, lastDue: 10)
        #expect(!plain.line(Self.outcome(seconds: 3, submitted: 60, answered: 48), recentP50: nil, barWidth: nil).contains("["))
        // Everything sent: what is left to wait for.
        let draining = progress.line(Self.outcome(seconds: 11, submitted: 200, answered: 180), recentP50: 0.5, barWidth: nil)
        #expect(draining.contains("waiting for 20 answers"), "\(draining)")
    }

    @Test func untilStoppedSaysSoInsteadOfATotal() {
        var progress = LoadProgress(total: nil, lastDue: nil)
        let line = progress.line(Self.outcome(seconds: 5, submitted: 466, answered: 400), recentP50: nil, barWidth: 20)
        #expect(line.contains("sent 466 (until stopped: Ctrl-C)"))
        #expect(!line.contains("466/") && !line.contains("ETA") && !line.contains("%"), "\(line)")
        #expect(line.contains("p50 –"))
    }

    @Test func durations() {
        #expect(LoadProgress.duration(0.2) == "1s")
        #expect(LoadProgress.duration(65) == "1m05s")
        #expect(LoadProgress.duration(7_500) == "2h05m")
    }
}
