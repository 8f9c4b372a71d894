#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ServiceSupport
import Shared
import Synchronization
import Transport
import Worker

/// The real inference engine: a transformers model in a Python process (`python -m
/// magnus_engine`, engine/) that this worker starts, talks to over a REQ socket on a private
/// `ipc://` endpoint, supervises and stops. Batches are static, left-padded and greedy; the
/// engine checks each against its KV budget and answers `oom` instead of running one that
/// does not fit. `duration` is the measured wall time of the request.
///
/// Supervision: when the process ends, stops answering within `requestTimeout`, or breaks the
/// protocol, the batch in flight fails with `EngineError` (the worker reports a fault and the
/// coordinator requeues the batch) and the process is ended; the next batch starts a new one,
/// after a backoff that doubles with consecutive failures. More than `maxRestarts` restarts
/// within `restartWindow` and the engine gives up: every later batch fails and the give-up
/// handler runs (the worker drains and leaves). `shutdown()` ends the process: SIGTERM, then
/// SIGKILL after `stopGrace`.
///
/// Thread safety: batches are run one at a time under a lock held for the whole request;
/// `shutdown()` and the accessors take a second, briefly held lock, so they do not wait for a
/// running batch.
public final class TransformersEngine: InferenceEngine {
    /// What the engine was started with.
    public let settings: RealEngineSettings
    /// Where its interpreter and package were found.
    public let location: EngineLocation
    /// The first process's `hello`.
    public let hello: EngineHello
    public let capabilities: WorkerCapabilities
    public var isSimulated: Bool { false }

    private let log: ServiceLog
    private let context: ZMQContext
    private let folder: String
    private let clock = MonotonicClock()
    private let control: Mutex<Control>
    private let link: Mutex<Link>

    /// State read and changed from any thread, briefly.
    private struct Control {
        var process: EngineProcess?
        var stopped = false
        var gaveUp = false
        var restarts = 0
        var batches = 0
        var giveUpHandler: (@Sendable () -> Void)?
        var tally = TokenCountTally()
    }

    /// The live process and its channel, held for the length of a request.
    private struct Link {
        var process: EngineProcess?
        var channel: EngineChannel?
        var generation = 0
        var consecutiveFailures = 0
        var restartTimes: [Double] = []
        var nextBatchID = 1
    }

    private init(
        settings: RealEngineSettings, location: EngineLocation, log: ServiceLog, context: ZMQContext, folder: String,
        process: EngineProcess, channel: sending EngineChannel, hello: EngineHello
    ) {
        self.settings = settings
        self.location = location
        self.log = log
        self.context = context
        self.folder = folder
        self.hello = hello
        capabilities = Self.capabilities(of: hello)
        control = Mutex(Control(process: process))
        link = Mutex(Link(process: process, channel: channel))
    }

    deinit { shutdown() }

    // MARK: - Starting and stopping

    /// Finds the engine, starts its process and waits for its `hello` (up to
    /// `settings.startTimeout`).
    /// - Throws: `EngineError` with what to do: run deploy/setup-engine.sh, pass
    ///   `--engine-venv`, or read the engine's own messages (on the worker's standard error).
    public static func start(_ settings: RealEngineSettings, log: ServiceLog) throws(EngineError) -> TransformersEngine
    {
        let location = try EngineLocation.resolve(venv: settings.venv, engineDirectory: settings.engineDirectory)
        let folder = try makeFolder()
        do throws(EngineError) {
            let context: ZMQContext
            do {
                context = try ZMQContext()
            } catch {
                throw EngineError("cannot create a ZeroMQ context: \(error)")
            }
            let (process, channel, hello) = try launch(
                settings: settings, location: location, folder: folder, generation: 0, context: context, log: log)
            let engine = TransformersEngine(
                settings: settings, location: location, log: log, context: context, folder: folder, process: process,
                channel: channel, hello: hello)
            log(
                .info,
                "engine ready: \(hello.model) on \(hello.device) (\(hello.dtype)), KV budget \(hello.kvBudgetBytes > 0 ? "\(hello.kvBudgetBytes) bytes" : "unlimited"), \(hello.kvBytesPerToken) KV bytes per token"
            )
            return engine
        } catch {
            removeFolder(folder)
            throw error
        }
    }

    /// Ends the engine process (SIGTERM, then SIGKILL after `stopGrace` seconds) and removes
    /// its socket folder. A batch running meanwhile fails. Idempotent.
    public func shutdown() {
        let (first, process, tally) = control.withLock { control in
            defer { control.stopped = true }
            return (!control.stopped, control.process, control.tally)
        }
        guard first else { return }
        process?.terminate(grace: settings.stopGrace)
        link.withLock { link in
            link.channel?.close()
            link.channel = nil
            link.process = nil
        }
        Self.removeFolder(folder)
        log(.info, "engine stopped; input token counts, coordinator vs engine tokenizer: \(tally.summary)")
    }

    /// Runs `handler` (once, on the thread that gave up) when the engine gives up restarting.
    public func onGiveUp(_ handler: @escaping @Sendable () -> Void) {
        control.withLock { $0.giveUpHandler = handler }
    }

    // MARK: - State

    /// The running engine process's id, if one runs.
    public var processID: Int32? { control.withLock { $0.process.map(\.pid) } }
    /// Restarts so far.
    public var restartCount: Int { control.withLock { $0.restarts } }
    /// Whether the engine gave up after too many restarts.
    public var hasGivenUp: Bool { control.withLock { $0.gaveUp } }
    /// Batches completed (results, not OOMs).
    public var batchesCompleted: Int { control.withLock { $0.batches } }
    /// The coordinator's input lengths against the engine tokenizer's, over completed batches.
    public var tokenCounts: TokenCountTally { control.withLock { $0.tally } }

    // MARK: - Running

    public func run(_ batch: [EngineRequest]) throws(EngineError) -> EngineRun {
        guard !batch.isEmpty else { throw EngineError("empty batch") }
        return try link.withLock { (link: inout Link) throws(EngineError) -> EngineRun in
            let batchID = link.nextBatchID
            link.nextBatchID += 1
            let (reply, duration) = try exchange(
                &link, .run(batchID: batchID, requests: batch), timeout: settings.requestTimeout,
                what: "a batch of \(batch.count)")
            switch reply {
            case .result(let result):
                let outputs: [EngineOutput]
                do throws(EngineError) {
                    outputs = try Self.outputs(of: result, for: batch, batchID: batchID)
                } catch {
                    discard(&link, failed: true)
                    throw error
                }
                link.consecutiveFailures = 0
                control.withLock { control in
                    control.batches += 1
                    for (request, output) in zip(batch, result.outputs) {
                        control.tally.add(coordinator: request.inputTokens, engine: output.inputTokens)
                    }
                }
                log(
                    .info,
                    "batch of \(batch.count): padded input \(result.paddedInputTokens) tokens, generated max \(result.generatedMax), \(Self.seconds(duration)) s"
                )
                return EngineRun(outcome: .completed(outputs), duration: duration)
            case .outOfMemory(let oom):
                link.consecutiveFailures = 0
                log(
                    .info,
                    "batch of \(batch.count) out of memory (\(oom.reason), step \(oom.step)): needs \(oom.requiredBytes) bytes, \(oom.availableBytes) available"
                )
                return EngineRun(
                    outcome: .outOfMemory(
                        step: oom.step, requiredBytes: oom.requiredBytes, availableBytes: oom.availableBytes),
                    duration: duration)
            case .error(let code, let message):
                // The engine refused the batch and keeps serving: a fault, no restart.
                throw EngineError("the engine refused a batch of \(batch.count): \(code): \(message)")
            default:
                discard(&link, failed: true)
                throw EngineError("the engine answered run with an unexpected reply; it was restarted")
            }
        }
    }

    /// Continuous mode: sends one `cb_*` command and returns the reply, with the generation
    /// of the process that answered (a new generation means the requests of the old one are
    /// gone). A restart before the command is included, as for batches.
    func continuousExchange(_ command: EngineCommand, what: String) throws(EngineError) -> (reply: EngineReply, generation: Int) {
        try link.withLock { (link: inout Link) throws(EngineError) -> (reply: EngineReply, generation: Int) in
            let (reply, _) = try exchange(&link, command, timeout: settings.requestTimeout, what: what)
            if case .error(let code, let message) = reply, code == "internal" {
                // The engine keeps serving; the caller fails what it sent.
                log(.warning, "the engine failed on \(what): \(message)")
            }
            return (reply, link.generation)
        }
    }

    /// Counts tokens with the engine's tokenizer (`chat`: as fed to the model, chat template
    /// included).
    public func countTokens(_ texts: [String], chat: Bool = false) throws(EngineError) -> [Int] {
        try link.withLock { (link: inout Link) throws(EngineError) -> [Int] in
            let (reply, _) = try exchange(
                &link, .countTokens(texts: texts, chat: chat), timeout: settings.requestTimeout, what: "count_tokens")
            switch reply {
            case .tokenCounts(let counts) where counts.count == texts.count: return counts
            case .error(let code, let message): throw EngineError("count_tokens refused: \(code): \(message)")
            default: throw EngineError("the engine answered count_tokens with an unexpected reply")
            }
        }
    }

    /// Sends `command` to a live engine (starting one if needed) and returns its reply and the
    /// seconds from sending to the reply (a restart before it not included). A missing or
    /// unreadable reply ends the process and throws.
    private func exchange(_ link: inout Link, _ command: EngineCommand, timeout: Double, what: String)
        throws(EngineError)
        -> (EngineReply, Double)
    {
        try ensureRunning(&link)
        guard let channel = link.channel, let process = link.process else { throw EngineError("no engine process") }
        let payload: [UInt8]
        let started = clock.now
        do {
            payload = try channel.exchange(command.payload, timeout: timeout, ended: { process.exitDescription })
        } catch {
            let stopping = control.withLock { $0.stopped }
            discard(&link, failed: !stopping)
            if stopping {
                throw EngineError("the engine was stopped while running \(what) (the worker is shutting down)")
            }
            let message = "the engine failed on \(what): \(error); it will be restarted"
            log(.error, message)
            throw EngineError(message)
        }
        let elapsed = clock.now - started
        do throws(EngineError) {
            return (try EngineReply.decode(payload), elapsed)
        } catch {
            discard(&link, failed: true)
            log(.error, "\(error); restarting the engine")
            throw error
        }
    }

    /// The batch's outputs in request order, checked against the request ids.
    private static func outputs(of result: EngineBatchResult, for batch: [EngineRequest], batchID: Int)
        throws(EngineError)
        -> [EngineOutput]
    {
        guard result.batchID == batchID else {
            throw EngineError("the engine answered batch \(batchID) with the result of batch \(result.batchID)")
        }
        guard result.outputs.count == batch.count else {
            throw EngineError("the engine returned \(result.outputs.count) outputs for a batch of \(batch.count)")
        }
        var outputs: [EngineOutput] = []
        outputs.reserveCapacity(batch.count)
        for (request, row) in zip(batch, result.outputs) {
            guard row.id == request.id.rawValue else {
                throw EngineError("the engine returned output '\(row.id)' where '\(request.id)' was expected")
            }
            outputs.append(
                EngineOutput(
                    id: request.id, text: row.text, generatedTokens: row.generatedTokens,
                    inputTokensSeen: row.inputTokens, finished: row.finishReason == "eos"))
        }
        return outputs
    }

    // MARK: - Supervision

    /// Makes sure a live process is connected: restarts a missing or ended one, within the
    /// restart budget and after the backoff.
    private func ensureRunning(_ link: inout Link) throws(EngineError) {
        if let process = link.process, link.channel != nil {
            guard let how = process.exitDescription else { return }
            log(.error, "the engine process \(process.pid) \(how) while idle; restarting it")
            discard(&link, failed: true)
        }
        while true {
            let (stopped, gaveUp) = control.withLock { ($0.stopped, $0.gaveUp) }
            if stopped { throw EngineError("the engine is stopped (the worker is shutting down)") }
            if gaveUp { throw EngineError("the engine gave up after \(settings.maxRestarts) restarts") }
            let now = clock.now
            link.restartTimes.removeAll { $0 < now - settings.restartWindow }
            if link.restartTimes.count >= settings.maxRestarts {
                let handler = control.withLock { control in
                    defer { control.gaveUp = true }
                    return control.gaveUp ? nil : control.giveUpHandler
                }
                let message =
                    "the engine failed again after \(link.restartTimes.count) restarts within \(Int(settings.restartWindow)) s; giving up (see the engine's messages above)"
                log(.error, message)
                handler?()
                throw EngineError(message)
            }
            let backoff = min(
                settings.maxBackoff, settings.initialBackoff * pow(2, Double(max(0, link.consecutiveFailures - 1))))
            if !pause(backoff) { continue }  // stopped meanwhile: the loop throws
            link.restartTimes.append(clock.now)
            link.generation += 1
            let launched: (EngineProcess, EngineChannel, EngineHello)
            // A restarted engine keeps the budget the coordinator was told (auto varies with
            // the free memory of the moment).
            var restartSettings = settings
            restartSettings.kvBudgetBytes = hello.kvBudgetBytes
            do {
                launched = try Self.launch(
                    settings: restartSettings, location: location, folder: folder, generation: link.generation,
                    context: context, log: log)
            } catch {
                link.consecutiveFailures += 1
                log(.error, "restarting the engine failed: \(error)")
                continue
            }
            let (process, channel, restartHello) = launched
            let (accepted, restarts) = control.withLock { control in
                guard !control.stopped else { return (false, control.restarts) }
                control.process = process
                control.restarts += 1
                return (true, control.restarts)
            }
            guard accepted else {
                channel.close()
                process.terminate(grace: settings.stopGrace)
                throw EngineError("the engine is stopped (the worker is shutting down)")
            }
            link.process = process
            link.channel = channel
            if Self.capabilities(of: restartHello) != capabilities {
                log(
                    .warning,
                    "the restarted engine announces different capabilities (\(Self.capabilities(of: restartHello))); the coordinator keeps the first"
                )
            }
            log(.warning, "engine restarted (restart \(restarts), process \(process.pid))")
            return
        }
    }

    /// Ends the current process (at once: it failed or is being replaced) and forgets it.
    private func discard(_ link: inout Link, failed: Bool) {
        link.channel?.close()
        link.channel = nil
        if let process = link.process {
            process.send(SIGKILL)
            process.waitForExit(timeout: 10)
            control.withLock { control in
                if control.process === process { control.process = nil }
            }
        }
        link.process = nil
        if failed { link.consecutiveFailures += 1 }
    }

    /// Sleeps `seconds` unless the engine is stopped meanwhile; false if it was.
    private func pause(_ seconds: Double) -> Bool {
        let end = clock.now + seconds
        while clock.now < end {
            if control.withLock({ $0.stopped }) { return false }
            usleep(UInt32(min(0.1, max(0, end - clock.now)) * 1_000_000))
        }
        return true
    }

    /// Starts generation `generation` of the engine process and waits for its hello.
    private static func launch(
        settings: RealEngineSettings, location: EngineLocation, folder: String, generation: Int, context: ZMQContext,
        log: ServiceLog
    ) throws(EngineError) -> sending (EngineProcess, EngineChannel, EngineHello) {
        let socketPath = "\(folder)/engine-\(generation).sock"
        unlink(socketPath)
        let endpoint = "ipc://\(socketPath)"
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = location.engineDirectory + (environment["PYTHONPATH"].map { ":" + $0 } ?? "")
        environment["HF_HUB_OFFLINE"] = "1"
        environment["TRANSFORMERS_OFFLINE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        if let devices = settings.cudaVisibleDevices, environment["CUDA_VISIBLE_DEVICES"] == nil {
            environment["CUDA_VISIBLE_DEVICES"] = devices
        }
        let arguments = settings.arguments(endpoint: endpoint)
        let process = try EngineProcess.spawn(
            executable: location.python, arguments: arguments, environment: environment)
        log(.info, "engine process \(process.pid): \(location.python) \(arguments.joined(separator: " "))")
        let channel: EngineChannel
        do {
            channel = try EngineChannel(context: context, endpoint: endpoint)
        } catch {
            process.terminate(grace: settings.stopGrace)
            throw EngineError("cannot connect to the engine at \(endpoint): \(error)")
        }
        do {
            let payload = try channel.exchange(
                EngineCommand.hello.payload, timeout: settings.startTimeout, ended: { process.exitDescription })
            guard case .hello(let hello) = try EngineReply.decode(payload) else {
                throw EngineError("the engine answered hello with another message")
            }
            guard hello.kvBytesPerToken > 0 else { throw EngineError("the engine announced kv_bytes_per_token 0") }
            return (process, channel, hello)
        } catch {
            channel.close()
            process.terminate(grace: settings.stopGrace)
            throw EngineError(
                "the engine (\(location.python) -m magnus_engine --model \(settings.model)) did not start: \(error). Its own messages are above; if it could not import torch or find the model, run deploy/setup-engine.sh"
            )
        }
    }

    /// What the worker announces: the engine's figures; an unlimited budget (0) is announced
    /// as the device memory, since the coordinator needs a positive Θ.
    static func capabilities(of hello: EngineHello) -> WorkerCapabilities {
        WorkerCapabilities(
            gpu: hello.device == "cuda" ? hello.gpu : "cpu", model: hello.model, memoryBytes: hello.memoryBytes,
            kvBudgetBytes: hello.kvBudgetBytes > 0
                ? hello.kvBudgetBytes : max(hello.memoryBytes, hello.kvBytesPerToken),
            kvBytesPerToken: hello.kvBytesPerToken, maxBatchSize: hello.maxBatchSize, engine: hello.engine,
            continuation: hello.continuation ?? false,
            continuous: hello.continuous.map {
                ContinuousCapacity(kvTokenSlots: $0.kvCapacityTokens, blockSize: $0.blockSize, maxRunning: $0.maxRunning)
            })
    }

    // MARK: - Files

    /// A private folder for the engine's socket: under TMPDIR when its path is short enough
    /// for a Unix socket name, else under /tmp.
    private static func makeFolder() throws(EngineError) -> String {
        var base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        if base.isEmpty || base.utf8.count > 60 { base = "/tmp" }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/magnus-engine-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw EngineError(
                "cannot create a folder for the engine socket in \(base): \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    private static func removeFolder(_ folder: String) {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func seconds(_ value: Double) -> String {
        String(format: "%.3f", value)
    }
}
