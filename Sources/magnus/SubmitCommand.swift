import Foundation
import Client
import CoordinatorShell
import ServiceSupport
import Shared

/// `magnus submit`: one request, printed as it is acknowledged and answered.
enum SubmitCommand {
    static let specs: [OptionSpec] = [
        .value("coordinator", "ENDPOINT", "The coordinator's client endpoint, tcp://HOST:PORT or ipc://PATH.", default: "tcp://127.0.0.1:5555"),
        .value("application", "NAME", "Application (task) name.", default: "gec"),
        .value("instruction", "TEXT", "The application's instruction (default: the catalog's for the application)."),
        .value("input", "TEXT", "The user input (required)."),
        .value("id", "ID", "Request id (default: a random one). Resubmitting an id is idempotent."),
        .value("max-new-tokens", "N", "Cap on generated tokens."),
        .value("deadline-ms", "MS", "Deadline relative to submission."),
        .value("timeout", "SECONDS", "How long to wait for the answer.", default: "120"),
        .value("connect-timeout", "SECONDS", "How long the coordinator may take to answer a first ping.", default: "5"),
        .flag("json", "Print the raw reply messages as JSON lines."),
        .flag("stream", "Print the text as it is generated (continuous workers report it as they go; static workers answer whole)."),
    ] + CurveOptions.specs

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus submit", summary: "submit one request and wait for its result", specs: specs, arguments: arguments)
        if let text = options.requestedText { return Console.out(text) }
        guard let input = options.string("input") else { throw UsageError("magnus submit: --input is required") }
        let application = options.string("application")!
        let id = RequestID(options.string("id") ?? "cli-" + String(UInt64.random(in: 0...UInt64.max), radix: 36))
        let endpoint = try options.endpoint("coordinator")!
        let connectTimeout = try options.double("connect-timeout", in: 0.1...3600)!
        let timeout = try options.double("timeout", in: 0.1...86_400)!
        if options.string("instruction") == nil, let warning = ApplicationCheck.warning(forUnknown: [application], command: options.command) {
            Console.error(warning)
        }
        let client = try MagnusClient(endpoint: endpoint, curve: try CurveOptions.parse(options), watchConnection: true)
        defer { client.close() }
        try client.contact(timeout: connectTimeout)
        try client.submit(
            SubmitMessage(
                id: id, application: application,
                instruction: options.string("instruction") ?? Application.forTask(application).instruction, input: input,
                maxNewTokens: try options.int("max-new-tokens", in: 1...1_000_000),
                deadlineMilliseconds: try options.int("deadline-ms", in: 1...Int(Int32.max)),
                stream: options.flag("stream") ? true : nil))
        let clock = ContinuousClock()
        let start = clock.now
        var accepted = false
        var streamed = StreamedText()
        while true {
            let elapsed = start.duration(to: clock.now).inSeconds
            guard elapsed < timeout, let reply = try client.receive(timeout: timeout - elapsed) else {
                throw CommandFailure(
                    "no answer for \(id) within \(Format.fixed(timeout, 0)) s\(accepted ? " (it was accepted and is still queued or running: see magnus status; resubmitting the same --id is safe)" : " (not even acknowledged)")")
            }
            guard reply.requestID == id else { continue }
            if case .accepted = reply { accepted = true }
            if options.flag("json") {
                Console.out(String(decoding: reply.payload, as: UTF8.self))
            } else {
                switch reply {
                case .accepted(let accepted): Console.error("accepted \(accepted.id): predicted \(accepted.predictedTokens) tokens")
                case .partial(let partial):
                    if let piece = streamed.add(partial) { Console.outRaw(piece) }
                case .result(let result):
                    if streamed.text.isEmpty {
                        Console.out(result.text)
                    } else if let rest = streamed.remainder(of: result.text) {
                        Console.out(rest)
                    } else {
                        Console.out("")
                        Console.error("the final text differs from the streamed pieces; the whole text:")
                        Console.out(result.text)
                    }
                    Console.error(
                        "result \(result.id): \(result.generatedTokens) tokens (predicted \(result.predictedTokens)) on \(result.worker), "
                            + "\(Format.fixed(result.responseMilliseconds, 0)) ms")
                case .error(let error): throw MagnusError(error.code, error.message)
                case .cancelled: Console.error("cancelled \(id)")
                case .pong: break
                }
            }
            if reply.isFinal { return }
        }
    }
}

