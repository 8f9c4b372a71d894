import Coordinator
import Foundation
import Client
import CoordinatorShell
import ServiceSupport
import Shared
import Simulation
import Synchronization

/// `magnus load`: replays a workload at a rate against a running coordinator, with a
/// progress line and a latency/throughput summary.
enum LoadCommand {
    static let specs: [OptionSpec] = [
        .value("coordinator", "ENDPOINT", "The coordinator's client endpoint, tcp://HOST:PORT or ipc://PATH.", default: "tcp://127.0.0.1:5555"),
        .value("rate", "REQ/S", "Poisson request rate (a trace is scaled to it).", default: "20"),
        .value("requests", "N", "Requests to send; 0 = keep sending until interrupted (Ctrl-C), then wait for the answers.", default: "2000"),
        .value("max-new-tokens", "N", "max_new_tokens of every request.", default: "1024"),
        .value("drain-timeout", "SECONDS", "Wait this long after the last submit for answers.", default: "600"),
        .value("id-prefix", "TEXT", "Prefix of request ids (ids must be unique per coordinator).", default: "load"),
        .value("seed", "N", "Seed.", default: "1"),
        .value("identity", "NAME", "Fixed routing id, so that a restarted coordinator can still answer this client."),
        .value("resubmit-after", "SECONDS", "Send again (same id: idempotent) requests not acknowledged within SECONDS (default: never)."),
        .flag("resubmit-on-restart", "Send again every unanswered request when the coordinator restarts (for a coordinator without a journal)."),
        .value("report", "FILE", "Also write the counts as JSON to FILE (for scripts such as scripts/chaos.sh)."),
        .value("connect-timeout", "SECONDS", "How long the coordinator may take to answer a first ping.", default: "5"),
        .value("progress-interval", "SECONDS", "Seconds between progress lines when standard error is not a terminal.", default: "10"),
    ] + ClientWorkload.specs + CurveOptions.specs

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus load", summary: "replay a workload against a running coordinator", specs: specs,
            arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        let seed = UInt64(try options.int("seed", in: 0...Int.max)!)
        let workload = try ClientWorkload.load(options, seed: seed)
        let requested = try options.int("requests", in: 0...1_000_000)!
        let untilStopped = requested == 0
        // Until stopped: one round of 10,000 requests (at most the pool), sent again and again under new ids.
        let count = untilStopped ? min(10_000, max(1, workload.pool.count)) : requested
        let rate = try options.double("rate", in: 0.001...1e6)!
        let maxNewTokens = try options.int("max-new-tokens", in: 1...100_000)!
        let prefix = options.string("id-prefix")! + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let requests = workload.requests(count: count, rate: rate, maxNewTokens: maxNewTokens, seed: seed)
        let items = requests.map { request in
            PacedLoad.Item(
                at: request.arrival,
                submit: SubmitMessage(
                    id: RequestID("\(prefix)-\(request.id.rawValue)"), application: request.application,
                    instruction: request.instruction, input: request.input, inputTokens: request.inputTokens,
                    maxNewTokens: request.maxNewTokens, simulatedOutputTokens: request.referenceOutputTokens))
        }
        let endpoint = try options.endpoint("coordinator")!
        let connectTimeout = try options.double("connect-timeout", in: 0.1...3600)!
        let progressInterval = try options.double("progress-interval", in: 0.1...86_400)!
        let client = try MagnusClient(
            endpoint: endpoint, identity: options.string("identity"), curve: try CurveOptions.parse(options), watchConnection: true)
        let resubmission = PacedLoad.Resubmission(
            unacknowledgedAfter: try options.double("resubmit-after", in: 0.01...3600), afterRestart: options.flag("resubmit-on-restart"))
        defer { client.close() }
        try client.contact(timeout: connectTimeout)
        Console.error(
            "magnus load: \(untilStopped ? "requests until interrupted (Ctrl-C)" : "\(count) requests") at \(Format.fixed(rate, 1)) req/s "
                + "from \(workload.description) to \(endpoint)")
        let stop = StopFlag()
        let trap = SignalTrap { _, count in
            stop.set()
            if count > 1 { Console.exit(130) }
        }
        defer { withExtendedLifetime(trap) {} }
        let onTerminal = Terminal.isTerminal(2)
        var progress = LoadProgress(total: untilStopped ? nil : count, lastDue: untilStopped ? nil : items.map(\.at).max())
        var lastLine = -Double.infinity
        let outcome = try PacedLoad(client: client, items: items, resubmission: resubmission, repeating: untilStopped).run(
            drainTimeout: try options.double("drain-timeout", in: 0...86_400)!, shouldStop: { stop.isSet }
        ) { so in
            let recent = so.responseTimes.suffix(500)
            let line = progress.line(
                so, recentP50: recent.isEmpty ? nil : Percentile.of(Array(recent), 0.5),
                barWidth: onTerminal ? 20 : nil)
            // On a terminal the line rewrites itself; in a log, one line every interval.
            guard onTerminal || so.seconds - lastLine >= progressInterval else { return }
            lastLine = so.seconds
            Console.progress(onTerminal ? StatusView.fit(line, columns: Terminal.size(2)?.columns ?? 200) : line)
        }
        Console.endProgress()
        if outcome.interrupted {
            Console.error("magnus load: \(untilStopped ? "stopped" : "interrupted"); waited for the answers of what was sent")
        }
        Console.out(summary(outcome))
        if let path = options.string("report") { try report(outcome).write(toFile: path, atomically: true, encoding: .utf8) }
        if outcome.lost > 0 { Console.exit(1) }
    }

    static func summary(_ o: PacedLoad.Outcome) -> String {
        var table = MarkdownTable(header: ["submitted", "accepted", "answered", "refused", "duplicates dropped", "lost", "req/s", "tok/s"])
        table.add([
            String(o.submitted), String(o.accepted), String(o.answered), String(o.refused.values.reduce(0, +)),
            String(o.duplicatesDropped), String(o.lost), Format.fixed(Double(o.answered) / max(o.seconds, 1e-9), 2),
            Format.fixed(Double(o.generatedTokens) / max(o.seconds, 1e-9), 0),
        ])
        var latency = MarkdownTable(header: ["response mean s", "p50 s", "p95 s", "p99 s", "predictor MAE (tokens)"])
        let times = o.responseTimes
        latency.add([
            Format.fixed(times.isEmpty ? .nan : times.reduce(0, +) / Double(times.count), 2),
            Format.fixed(Percentile.of(times, 0.5), 2), Format.fixed(Percentile.of(times, 0.95), 2),
            Format.fixed(Percentile.of(times, 0.99), 2),
            Format.fixed(o.predictionErrors.isEmpty ? .nan : o.predictionErrors.reduce(0, +) / Double(o.predictionErrors.count), 1),
        ])
        var text = table.markdown + "\n\n" + latency.markdown
        if o.resent > 0 || o.restarts > 0 || o.acknowledgedLost > 0 {
            text += "\n\nacknowledged \(o.acknowledged), acknowledged but lost \(o.acknowledgedLost), resent \(o.resent), coordinator restarts seen \(o.restarts)"
        }
        if !o.refused.isEmpty {
            text += "\n\nrefused: " + o.refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return text
    }
}

extension LoadCommand {
    /// The counts as one JSON object.
    static func report(_ o: PacedLoad.Outcome) -> String {
        let refused = o.refused.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        return """
            {"submitted": \(o.submitted), "acknowledged": \(o.acknowledged), "answered": \(o.answered), \
            "refused": {\(refused)}, "lost": \(o.lost), "acknowledged_lost": \(o.acknowledgedLost), \
            "duplicates_dropped": \(o.duplicatesDropped), "resent": \(o.resent), "restarts": \(o.restarts), "seconds": \(Format.fixed(o.seconds, 1))}

            """
    }
}

/// A flag set from a signal handler and read by the load loop.
final class StopFlag: Sendable {
    private let value = Synchronization.Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
