import Client
import Shared
import Testing

/// `magnus status`'s view: a pure rendering of snapshots, fitted to the terminal.
@Suite struct StatusViewTests {
    static func worker(_ name: String, _ state: String, seconds: Double = 1.5, batch: Int? = nil) -> WorkerStatus {
        WorkerStatus(
            worker: WorkerID(name), state: state, batchID: batch.map { BatchID(UInt64($0)) }, batchSize: batch.map { _ in 8 },
            stateSeconds: seconds, completedBatches: 3, gpu: "V100", model: "ChatGLM-6B")
    }

    static func snapshot(workers: [WorkerStatus], latency: LatencySummary = LatencySummary(), mae: (Double, Int) = (0, 0)) -> StatusSnapshot {
        StatusSnapshot(
            time: 42, queueDepth: 5, queuedBatches: 1, runningBatches: 2, workers: workers, completed: 10, failed: 0,
            throughput: 1.5, tokenThroughput: 120, window: 30, latency: latency, predictorMAE: mae.0, predictorSamples: mae.1,
            oomCount: 0, splitCount: 0, requeueCount: 0, workersLost: 1, errors: [:], draining: false)
    }

    static func isWorkerRow(_ line: String) -> Bool { line.hasPrefix("w") && !line.hasPrefix("worker") }

    @Test func figuresWithoutSamplesShowADash() {
        let text = StatusView.render(Self.snapshot(workers: []), recentEvents: []).joined(separator: "\n")
        #expect(text.contains("latency –") && text.contains("predictor MAE –"))
        #expect(!text.contains("p50 0 ms"))
        let measured = StatusView.render(
            Self.snapshot(workers: [], latency: LatencySummary(p50: 120, p95: 300, p99: 410, samples: 9), mae: (12.34, 9)),
            recentEvents: []
        ).joined(separator: "\n")
        #expect(measured.contains("latency p50 120 ms  p95 300 ms  p99 410 ms"))
        #expect(measured.contains("predictor MAE 12.3 tokens (9 recent)"))
    }

    @Test func downWorkersAreShownAndNotCountedAsConnected() {
        let lines = StatusView.render(
            Self.snapshot(workers: [Self.worker("w0", "busy", batch: 7), Self.worker("w1", "idle"), Self.worker("w2", WorkerStatus.down, seconds: 12)]),
            recentEvents: [])
        #expect(lines[0].contains("2 workers (1 busy, 1 idle, 1 down)"))
        let row = lines.first { $0.hasPrefix("w2") } ?? ""
        #expect(row.contains("down") && row.contains("12.0"))
        let busy = lines.first { $0.hasPrefix("w0") } ?? ""
        #expect(busy.contains("b7"))
        // Columns line up: every worker row has its state at the same column.
        func column(of word: String, in line: String) -> Int? {
            line.firstRange(of: word).map { line.distance(from: line.startIndex, to: $0.lowerBound) }
        }
        let rows = lines.filter(Self.isWorkerRow)
        let columns = Set(zip(rows, ["busy", "idle", "down"]).compactMap { column(of: " " + $1, in: $0) })
        #expect(rows.count == 3 && columns.count == 1, "\(rows)")
    }

    @Test func continuousWorkersShowRunningSequencesKVPlanAndPreemptions() {
        var running = Self.worker("w0", "running")
        running.continuous = ContinuousWorkerStatus(runningSequences: 37, reservedTokens: 9_000, capacityTokens: 36_000, preemptions: 2)
        var snapshot = Self.snapshot(workers: [running, Self.worker("w1", WorkerStatus.down)])
        snapshot.preemptionCount = 5
        snapshot.firstTokenLatency = LatencySummary(p50: 80, p95: 200, p99: 350, samples: 20)
        let lines = StatusView.render(snapshot, recentEvents: [])
        #expect(lines.contains { $0.contains("running") && $0.contains("KV planned") && $0.contains("preempted") })
        let row = lines.first { $0.hasPrefix("w0") } ?? ""
        #expect(row.contains("37") && row.contains("25.0 %") && row.hasSuffix("3"), "\(row)")
        #expect(lines.contains { $0.contains("first token p50 80 ms  p95 200 ms  p99 350 ms") })
        #expect(lines.contains { $0.contains("preempted 5") })
        // A static snapshot keeps the batch columns.
        let plain = StatusView.render(Self.snapshot(workers: [Self.worker("w0", "busy", batch: 7)]), recentEvents: [])
        #expect(plain.contains { $0.contains("batch") && $0.contains("β") } && !plain.contains { $0.contains("KV planned") })
    }

    @Test func fitsTheTerminalHeightAndWidth() {
        let workers = (0..<40).map { Self.worker("w\($0 < 10 ? "0" : "")\($0)", $0 % 5 == 0 ? WorkerStatus.down : "busy", batch: $0) }
        let events = (0..<8).map { "t=\($0).0 dispatch b\($0) on w\($0)" }
        let size = StatusView.Size(rows: 20, columns: 60)
        let lines = StatusView.render(Self.snapshot(workers: workers), recentEvents: events, size: size)
        #expect(lines.count <= 20)
        #expect(lines.allSatisfy { $0.count <= 60 })
        let more = lines.last ?? ""
        #expect(more.hasPrefix("… ") && more.contains("more workers"), "\(lines)")
        let shownWorkers = lines.filter(Self.isWorkerRow).count
        #expect(more.contains("\(40 - shownWorkers) more workers"))
        #expect(!lines.contains("recent events:"), "no room for events")
        let shownDown = lines.filter { Self.isWorkerRow($0) && $0.contains(WorkerStatus.down) }.count
        #expect(shownDown == 8, "the 8 down workers are kept in view: \(lines)")
        #expect(more.hasSuffix(": \(40 - shownWorkers) busy"), "\(more)")
        // Rows in natural order: w2 before w10.
        let order = StatusView.render(
            Self.snapshot(workers: ["w10", "w2", "a1", "w1"].map { Self.worker($0, "idle") }), recentEvents: []
        ).filter { $0.hasPrefix("w") || $0.hasPrefix("a1") }.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(order == ["worker", "a1", "w1", "w2", "w10"])

        // A tall terminal shows every worker and the latest events that fit.
        let tall = StatusView.render(Self.snapshot(workers: Array(workers.prefix(3))), recentEvents: events, size: StatusView.Size(rows: 14, columns: 200))
        #expect(tall.count <= 14)
        #expect(tall.contains("recent events:"))
        #expect(tall.last == "  t=7.0 dispatch b7 on w7", "the latest event last")
        // A terminal too small for the table keeps the header.
        let tiny = StatusView.render(Self.snapshot(workers: workers), recentEvents: [], size: StatusView.Size(rows: 3, columns: 80))
        #expect(tiny.count == 3 && tiny[0].hasPrefix("Magnus coordinator"))
    }

    @Test func framesRedrawInPlaceWithoutClearingTheScreen() {
        let frame = TerminalScreen.frame(["a", "b"])
        #expect(frame == "\u{1B}[Ha\u{1B}[K\nb\u{1B}[K\u{1B}[J")
        #expect(!frame.contains("\u{1B}[2J"), "a full clear fills terminal and tmux history with old frames")
        #expect(TerminalScreen.enter.contains("\u{1B}[?1049h") && TerminalScreen.leave.contains("\u{1B}[?1049l"))
        #expect(StatusView.fit("abcdef", columns: 4) == "abc…" && StatusView.fit("abc", columns: 4) == "abc")
    }
}
