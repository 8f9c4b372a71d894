import Coordinator
import Shared

/// Tables and the plot of a drift benchmark: predictor error per window of arrival time,
/// with and without retraining, and the effect on service.
public enum DriftReport {
    /// Overall and after-the-drift service, and the predictor's error before and after.
    public static func summary(_ runs: [DriftRun], benchmark: DriftBenchmark, midpoint: Double) -> MarkdownTable {
        var table = MarkdownTable(header: [
            "run", "done", "req/s", "sustained req/s", "mean s", "p99 s", "OOM", "mean β",
            "after drift: req/s", "after: mean s", "after: p99 s", "MAE before", "MAE after",
            "MAE \(benchmark.newApplication) after (bias)", "MAE \(benchmark.grownApplication) after (bias)",
            "candidates (accepted)",
            "wall s",
        ])
        let before = -Double.infinity..<midpoint
        let after = midpoint..<Double.infinity
        for run in runs {
            let m = run.metrics
            let service = run.service(arrivedIn: after)
            let accepted = run.retrainings.filter { $0.decision == .accepted }.count
            table.add([
                run.label, String(m.completed), Format.fixed(m.requestThroughput, 2), Format.fixed(m.sustainedThroughput, 2),
                Format.fixed(m.meanResponse, 1), Format.fixed(m.p99Response, 1), String(m.oomEvents),
                Format.fixed(m.meanBatchSize, 1), Format.fixed(service.throughput, 2), Format.fixed(service.meanResponse, 1),
                Format.fixed(service.p99Response, 1), Format.fixed(run.meanAbsoluteError(arrivedIn: before), 1),
                Format.fixed(run.meanAbsoluteError(arrivedIn: after), 1),
                Format.fixed(run.meanAbsoluteError(arrivedIn: after, application: benchmark.newApplication), 1) + " ("
                    + Format.fixed(run.bias(arrivedIn: after, application: benchmark.newApplication), 1) + ")",
                Format.fixed(run.meanAbsoluteError(arrivedIn: after, application: benchmark.grownApplication), 1) + " ("
                    + Format.fixed(run.bias(arrivedIn: after, application: benchmark.grownApplication), 1) + ")",
                "\(run.retrainings.count) (\(accepted))", Format.fixed(run.wallSeconds, 1),
            ])
        }
        return table
    }

    /// Every candidate a run trained.
    public static func retrainings(_ run: DriftRun) -> MarkdownTable {
        var table = MarkdownTable(header: [
            "time s", "model", "version", "decision", "held-out error", "error in service", "training rows", "added",
        ])
        for r in run.retrainings {
            table.add([
                Format.fixed(r.time, 0), r.kind.rawValue, String(r.version), r.decision.rawValue,
                Format.fixed(r.candidateError, 2), Format.fixed(r.currentError, 2), String(r.trainingRows), String(r.addedRows),
            ])
        }
        return table
    }

    /// Per-window MAE and response time as CSV: run, window start, count, MAE, the two drifting applications' MAE, mean response.
    public static func csv(_ runs: [DriftRun], benchmark: DriftBenchmark, window: Double) -> String {
        var lines = ["run,start_s,requests,mae,mae_\(benchmark.newApplication),mae_\(benchmark.grownApplication),mean_response_s"]
        for run in runs {
            for w in run.windows(width: window, newApplication: benchmark.newApplication, grownApplication: benchmark.grownApplication) {
                lines.append(
                    [
                        run.label, Format.fixed(w.start, 0), String(w.count), Format.fixed(w.meanAbsoluteError, 2),
                        Format.fixed(w.newApplicationError, 2), Format.fixed(w.grownApplicationError, 2),
                        Format.fixed(w.meanResponse, 2),
                    ].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Four panels over arrival time: MAE of all requests, of the new application, of the
    /// grown application, and the mean response time.
    public static func chart(_ runs: [DriftRun], benchmark: DriftBenchmark, window: Double, midpoint: Double) -> SVGLineChart {
        let windows = runs.map {
            ($0.label, $0.windows(width: window, newApplication: benchmark.newApplication, grownApplication: benchmark.grownApplication))
        }
        func series(_ value: (DriftWindow) -> Double) -> [SVGLineChart.Series] {
            windows.map { label, rows in
                SVGLineChart.Series(name: label, points: rows.map { (x: $0.start + window / 2, y: value($0)) }.filter { $0.y.isFinite })
            }
        }
        let x = "arrival time (s); drift at \(Format.fixed(midpoint, 0)) s"
        return SVGLineChart(
            title: "Drift at \(Format.fixed(midpoint, 0)) s: \(benchmark.newApplication) appears, \(benchmark.grownApplication) outputs × \(Format.fixed(benchmark.growth, 1)); \(Format.fixed(window, 0)) s windows",
            panels: [
                .init(title: "Predictor MAE, all requests", xLabel: x, yLabel: "tokens", series: series(\.meanAbsoluteError)),
                .init(title: "MAE of \(benchmark.newApplication) (new)", xLabel: x, yLabel: "tokens", series: series(\.newApplicationError)),
                .init(title: "MAE of \(benchmark.grownApplication) (longer)", xLabel: x, yLabel: "tokens", series: series(\.grownApplicationError)),
                .init(title: "Mean response time", xLabel: x, yLabel: "seconds (log)", series: series(\.meanResponse), logY: true),
            ])
    }
}
