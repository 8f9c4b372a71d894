import Shared

/// Renders the coordinator's status snapshots and events as terminal text (`magnus status`):
/// a pure function of the snapshot, the recent events and the terminal's size, so that the
/// view is tested without a terminal.
public enum StatusView {
    /// A terminal's size in character cells.
    public struct Size: Sendable, Hashable {
        public var rows: Int
        public var columns: Int
        public init(rows: Int, columns: Int) {
            self.rows = rows
            self.columns = columns
        }
    }

    /// The figure shown where there is no sample to compute one from.
    public static let none = "–"

    /// The lines of one frame. With `size`, at most `size.rows` lines of at most
    /// `size.columns` characters: worker rows that do not fit are summed up in one line
    /// (`… 12 more workers: 10 busy, 2 idle`), and recent events get what room is left.
    /// - Complexity: O(workers × log + events).
    public static func render(_ s: StatusSnapshot, recentEvents: [String], size: Size? = nil) -> [String] {
        var header: [String] = []
        let counts = stateCounts(s.workers)
        header.append(
            "Magnus coordinator  up \(Format.fixed(s.time, 0)) s  \(counts.connected) workers"
                + (counts.text.isEmpty ? "" : " (\(counts.text))") + (s.draining ? "  DRAINING" : ""))
        header.append(
            "queue \(s.queueDepth) requests in \(s.queuedBatches) batches   running \(s.runningBatches) batches   "
                + "completed \(s.completed)   failed \(s.failed)")
        header.append(
            "throughput \(Format.fixed(s.throughput, 2)) req/s, \(Format.fixed(s.tokenThroughput, 0)) tok/s "
                + "(last \(Format.fixed(s.window, 0)) s)   latency \(latency(s.latency))"
                + (s.firstTokenLatency.map { "   first token \(latency($0))" } ?? ""))
        header.append(
            "predictor MAE \(s.predictorSamples == 0 ? none : Format.fixed(s.predictorMAE, 1) + " tokens (\(s.predictorSamples) recent)")   "
                + "OOM \(s.oomCount)  splits \(s.splitCount)  requeues \(s.requeueCount)  continued \(s.continuationCount ?? 0)  "
                + (s.preemptionCount.map { "preempted \($0)  " } ?? "") + "workers lost \(s.workersLost)")
        if !s.errors.isEmpty {
            header.append("errors: " + s.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        header.append("")

        var workers = s.workers.sorted { naturalOrder($0.worker.rawValue, $1.worker.rawValue) }
        var table = workerTable(workers)
        var shownEvents = recentEvents.count
        var body = table.header + table.rows
        if let size {
            let room = max(0, size.rows - header.count)
            if body.count > room {
                // Keep the column header, as many workers as fit (down ones first: they are
                // what an operator looks for), and one line for the rest.
                let shown = max(0, room - table.header.count - 1)
                let kept = Set(
                    (workers.filter { $0.state == WorkerStatus.down } + workers.filter { $0.state != WorkerStatus.down })
                        .prefix(shown).map(\.worker))
                let hidden = workers.filter { !kept.contains($0.worker) }
                workers = workers.filter { kept.contains($0.worker) }
                table = workerTable(workers)
                body = room > table.header.count
                    ? table.header + table.rows + ["… \(hidden.count) more workers: \(stateCounts(hidden).text)"]
                    : []
                shownEvents = 0
            } else {
                // A blank line and a title, then the latest events that fit.
                shownEvents = min(shownEvents, max(0, room - body.count - 2))
            }
        }
        var lines = header + body
        if shownEvents > 0 { lines += ["", "recent events:"] + recentEvents.suffix(shownEvents).map { "  " + $0 } }
        if let size {
            lines = Array(lines.prefix(max(0, size.rows))).map { fit($0, columns: size.columns) }
        }
        return lines
    }

    /// `p50 12 ms  p95 40 ms  p99 61 ms`, or `–` without samples.
    static func latency(_ l: LatencySummary) -> String {
        guard l.samples > 0 else { return none }
        return "p50 \(Format.fixed(l.p50, 0)) ms  p95 \(Format.fixed(l.p95, 0)) ms  p99 \(Format.fixed(l.p99, 0)) ms"
    }

    /// The workers as aligned columns: two header lines, then one row each. With continuous
    /// workers among them, the batch columns give way to running sequences, the share of the
    /// KV cache the coordinator plans for them and preemptions.
    static func workerTable(_ workers: [WorkerStatus]) -> (header: [String], rows: [String]) {
        let continuous = workers.contains { $0.continuous != nil }
        let titles = continuous
            ? ["worker", "gpu / model", "state", "for s", "running", "KV planned", "preempted", "done"]
            : ["worker", "gpu / model", "state", "for s", "batch", "β", "batches done"]
        let cells = workers.map { w in
            let common = [w.worker.rawValue, "\(w.gpu) / \(w.model)", w.state, Format.fixed(w.stateSeconds, 1)]
            guard continuous else {
                return common + [
                    w.batchID.map { $0.description } ?? none, w.batchSize.map(String.init) ?? none, String(w.completedBatches),
                ]
            }
            guard let c = w.continuous else { return common + [none, none, none, String(w.completedBatches)] }
            let planned = c.capacityTokens > 0 ? Format.percent(Double(c.reservedTokens) / Double(c.capacityTokens)) : none
            return common + [String(c.runningSequences), planned, String(c.preemptions), String(w.completedBatches)]
        }
        let widths = titles.indices.map { column in ([titles] + cells).map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.indices.map { column in
                let text = row[column]
                let pad = String(repeating: " ", count: widths[column] - text.count)
                // Text columns left-aligned, figures right-aligned.
                return column < 3 ? text + pad : pad + text
            }.joined(separator: "  ").trailingSpacesRemoved
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        return ([line(titles), rule], cells.map(line))
    }

    /// Connected workers and `6 busy, 1 idle, 1 down` (states in that order, then others).
    static func stateCounts(_ workers: [WorkerStatus]) -> (connected: Int, text: String) {
        var counts: [String: Int] = [:]
        for worker in workers { counts[worker.state, default: 0] += 1 }
        let order = ["busy", "idle", "connected", WorkerStatus.down]
        let names = order.filter { counts[$0] != nil } + counts.keys.filter { !order.contains($0) }.sorted()
        return (workers.count - (counts[WorkerStatus.down] ?? 0), names.map { "\(counts[$0]!) \($0)" }.joined(separator: ", "))
    }

    /// Names in the order a person expects: `w2` before `w10` (a trailing number compares as
    /// a number), otherwise alphabetical.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        func split(_ name: String) -> (String, Int?) {
            let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 18 else { return (name, nil) }
            return (String(name.dropLast(digits.count)), Int(String(digits.reversed())))
        }
        let (left, right) = (split(a), split(b))
        if left.0 != right.0 || left.1 == nil || right.1 == nil || left.1 == right.1 { return a < b }
        return left.1! < right.1!
    }

    /// `line` cut to `columns` characters, ending in `…` when cut.
    public static func fit(_ line: String, columns: Int) -> String {
        guard columns > 0 else { return "" }
        return line.count <= columns ? line : String(line.prefix(columns - 1)) + "…"
    }

    /// One event as a line: `t=12.5 dispatch b17 on w3 β=8`.
    public static func describe(_ e: StatusEvent) -> String {
        var parts = ["t=\(Format.fixed(e.time, 1))", e.kind.rawValue]
        if let batch = e.batchID { parts.append(batch.description) }
        if let worker = e.worker { parts.append("on \(worker)") }
        if let size = e.batchSize { parts.append("β=\(size)") }
        if let children = e.children { parts.append("→ " + children.map(\.description).joined(separator: ", ")) }
        if let duration = e.durationSeconds { parts.append("\(Format.fixed(duration, 2)) s") }
        if let model = e.model, let version = e.version {
            parts.append("\(model) v\(version) \(e.accepted == true ? "accepted" : "rejected")")
        }
        if let candidate = e.validationError, let baseline = e.baselineError {
            parts.append("error \(Format.fixed(candidate, 2)) vs \(Format.fixed(baseline, 2))")
        }
        if let message = e.message { parts.append(message) }
        return parts.joined(separator: " ")
    }
}

extension String {
    fileprivate var trailingSpacesRemoved: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
