import ServiceSupport
import Shared

import Foundation
import Client
import CoordinatorShell

/// `magnus status`: the coordinator's live status stream, as a terminal view or raw JSON.
enum StatusCommand {
    static let specs: [OptionSpec] = [
        .value("status", "ENDPOINT", "The coordinator's status (PUB) endpoint.", default: "tcp://127.0.0.1:5557"),
        .flag("follow", "Keep updating until interrupted (default: print one snapshot and exit)."),
        .flag("json", "Print every message as a JSON line (snapshots and events) for tools."),
        .value("timeout", "SECONDS", "Give up when nothing arrives for this long.", default: "10"),
    ] + CurveOptions.specs

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus status", summary: "show the coordinator's live status", specs: specs, arguments: arguments)
        if options.wantsHelp { return Console.out(options.help) }
        let endpoint = options.string("status")!
        let subscriber = try StatusSubscriber(endpoint: endpoint, curve: try CurveOptions.parse(options))
        defer { subscriber.close() }
        let timeout = try options.double("timeout", in: 0.1...86_400)!
        let follow = options.flag("follow")
        var events: [String] = []
        while true {
            guard let message = try subscriber.receive(timeout: timeout) else {
                throw MagnusError(.overloaded, "no status from \(endpoint) within \(Format.fixed(timeout, 0)) s; is the coordinator running?")
            }
            if options.flag("json") {
                Console.out(String(decoding: message.frames.last ?? [], as: UTF8.self))
                if !follow, case .snapshot = message { return }
                continue
            }
            switch message {
            case .event(let event):
                events.append(StatusView.describe(event))
                if events.count > 8 { events.removeFirst(events.count - 8) }
            case .snapshot(let snapshot):
                let view = StatusView.render(snapshot, recentEvents: events)
                if follow && isatty(1) != 0 {
                    Console.outRaw("\u{1B}[H\u{1B}[2J" + view + "\n")
                } else {
                    Console.out(view)
                }
                if !follow { return }
            }
        }
    }
}

/// Renders status snapshots and events as text.
enum StatusView {
    static func render(_ s: StatusSnapshot, recentEvents: [String]) -> String {
        var lines: [String] = []
        lines.append(
            "Magnus coordinator  t=\(Format.fixed(s.time, 0)) s\(s.draining ? "  DRAINING" : "")")
        lines.append(
            "queue \(s.queueDepth) requests in \(s.queuedBatches) batches   running \(s.runningBatches) batches   "
                + "completed \(s.completed)   failed \(s.failed)")
        lines.append(
            "throughput \(Format.fixed(s.throughput, 2)) req/s, \(Format.fixed(s.tokenThroughput, 0)) tok/s "
                + "(last \(Format.fixed(s.window, 0)) s)   latency p50 \(Format.fixed(s.latency.p50, 0)) ms  "
                + "p95 \(Format.fixed(s.latency.p95, 0)) ms  p99 \(Format.fixed(s.latency.p99, 0)) ms")
        lines.append(
            "predictor MAE \(Format.fixed(s.predictorMAE, 1)) tokens (\(s.predictorSamples) recent)   OOM \(s.oomCount)  "
                + "splits \(s.splitCount)  requeues \(s.requeueCount)  continued \(s.continuationCount ?? 0)  "
                + "workers lost \(s.workersLost)")
        if !s.errors.isEmpty {
            lines.append("errors: " + s.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        var table = MarkdownTable(header: ["worker", "gpu / model", "state", "for s", "batch", "β", "batches done"])
        for w in s.workers.sorted(by: { $0.worker < $1.worker }) {
            table.add([
                w.worker.rawValue, "\(w.gpu) / \(w.model)", w.state, Format.fixed(w.stateSeconds, 1),
                w.batchID.map { $0.description } ?? "-", w.batchSize.map(String.init) ?? "-", String(w.completedBatches),
            ])
        }
        lines.append("")
        lines.append(table.markdown)
        if !recentEvents.isEmpty {
            lines.append("")
            lines.append("recent events:")
            lines += recentEvents.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ e: StatusEvent) -> String {
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
