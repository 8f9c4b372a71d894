import Foundation
import Client
import CoordinatorShell
import ServiceSupport
import Shared

/// `magnus status`: the coordinator's live status stream, as a terminal view or raw JSON.
/// With `--follow` on a terminal the view takes the alternate screen, redraws in place and
/// fits the window; the shell's screen comes back on exit, Ctrl-C included.
enum StatusCommand {
    static let specs: [OptionSpec] = [
        .value("status", "ENDPOINT", "The coordinator's status (PUB) endpoint, tcp://HOST:PORT or ipc://PATH.", default: "tcp://127.0.0.1:5557"),
        .flag("follow", "Keep updating until interrupted (default: print one snapshot and exit)."),
        .flag("json", "Print every message as a JSON line (snapshots and events) for tools."),
        .value("timeout", "SECONDS", "Give up when no status message arrives for this long (default: 10)."),
        .value(
            "connect-timeout", "SECONDS",
            "Give up when the connection is not up within this long (default: 5, or --timeout when that is given: a script that waits for a coordinator still starting)."),
    ] + CurveOptions.specs

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus status", summary: "show the coordinator's live status", specs: specs, arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        let endpoint = try options.endpoint("status")!
        let givenTimeout = try options.double("timeout", in: 0.1...86_400)
        let timeout = givenTimeout ?? 10
        let connectTimeout = try options.double("connect-timeout", in: 0.1...86_400) ?? givenTimeout ?? 5
        let curve = try CurveOptions.parse(options)
        let subscriber = try StatusSubscriber(endpoint: endpoint, curve: curve, watchConnection: true)
        defer { subscriber.close() }
        let contact = try subscriber.contact(timeout: connectTimeout)
        let follow = options.flag("follow")
        let json = options.flag("json")
        let live = follow && !json && Terminal.isTerminal(1)
        let stop = StopFlag()
        let trap = follow ? SignalTrap { _, count in
            stop.set()
            if count > 1 {
                if live { Console.outRaw(TerminalScreen.leave) }
                Console.exit(130)
            }
        } : nil
        defer { withExtendedLifetime(trap) {} }
        if live { Console.outRaw(TerminalScreen.enter) }
        defer { if live { Console.outRaw(TerminalScreen.leave) } }

        let clock = MonotonicClock()
        var lastHeard = 0.0
        var heard = false
        var events: [String] = []
        while !stop.isSet {
            guard let message = try subscriber.receive(timeout: follow ? 0.25 : timeout) else {
                guard clock.now - lastHeard >= timeout else { continue }
                throw CommandFailure(
                    heard
                        ? "the status stream from \(endpoint) went silent for \(Format.fixed(timeout, 0)) s; has the coordinator stopped?"
                        : contact.failure(endpoint: endpoint, waited: timeout, role: .status, usingCurve: curve != nil))
            }
            heard = true
            lastHeard = clock.now
            if json {
                Console.out(String(decoding: message.frames.last ?? [], as: UTF8.self))
                if !follow, case .snapshot = message { return }
                continue
            }
            switch message {
            case .event(let event):
                events.append(StatusView.describe(event))
                if events.count > 8 { events.removeFirst(events.count - 8) }
            case .snapshot(let snapshot):
                if live {
                    Console.outRaw(TerminalScreen.frame(StatusView.render(snapshot, recentEvents: events, size: Terminal.size(1))))
                } else {
                    Console.out(StatusView.render(snapshot, recentEvents: events).joined(separator: "\n") + (follow ? "\n" : ""))
                }
                if !follow { return }
            }
        }
    }
}
