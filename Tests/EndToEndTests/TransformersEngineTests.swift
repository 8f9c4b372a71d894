import Foundation
import CoordinatorShell
import ServiceSupport
import WorkerShell
import Client
import Shared
import Synchronization
import Testing
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// The real engine client in-process, against `python -m magnus_engine` with the tiny random
/// model: batching, token counts, the KV budget, and supervision (a killed, hung or dying
/// engine is a fault and is restarted; too many restarts and it gives up). Skipped, with a
/// banner, when the engine's Python environment is missing (deploy/setup-engine.sh).
@Suite(
    "Transformers engine (tiny random model)", .serialized,
    .enabled("needs the engine's Python environment: run deploy/setup-engine.sh") { RealEngineEnvironment.isAvailable })
struct TransformersEngineTests {
    static func settings(budget: Int? = nil, timeout: Double = 60, maxRestarts: Int = 5) -> RealEngineSettings {
        var settings = RealEngineSettings(model: "tiny-random")
        settings.device = "cpu"
        settings.venv = RealEngineEnvironment.venv.path
        settings.engineDirectory = RealEngineEnvironment.engineDirectory.path
        settings.kvBudgetBytes = budget
        settings.requestTimeout = timeout
        settings.startTimeout = 180
        settings.maxRestarts = maxRestarts
        settings.initialBackoff = 0.1
        return settings
    }

    static let log = ServiceLog(component: "test engine", minimum: .warning)

    static func request(_ id: String, _ prompt: String, maxNewTokens: Int, inputTokens: Int = 10) -> EngineRequest {
        EngineRequest(id: RequestID(id), prompt: prompt, inputTokens: inputTokens, maxNewTokens: maxNewTokens)
    }

    /// Whether `pid` runs (a zombie, ended but not yet reaped, does not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    /// Waits until `pid` has ended and can be reaped: its main thread is a zombie and its other
    /// threads are gone (a large process's threads take a moment to tear its memory down).
    static func waitUntilEnded(_ pid: Int32) {
        func threads() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? 0 }
        for _ in 0..<1000 where isAlive(pid) || threads() > 1 { usleep(10_000) }
    }

    @Test(.timeLimit(.minutes(3)))
    func batchesMatchSingleRunsAndTheBudgetRefusesLargeBatches() throws {
        let engine = try TransformersEngine.start(Self.settings(budget: 150_000), log: Self.log)
        defer { engine.shutdown() }
        #expect(!engine.isSimulated)
        #expect(engine.capabilities.engine == "transformers")
        #expect(engine.capabilities.gpu == "cpu")
        #expect(engine.capabilities.model == "tiny-random-llama")
        #expect(engine.capabilities.kvBytesPerToken == 512)  // 2 × 2 layers × 2 KV heads × 16 × 4 bytes
        #expect(engine.capabilities.kvBudgetBytes == 150_000)

        let requests = [
            Self.request("a", "Correct this sentence: he go to school yesterday.", maxNewTokens: 4),
            Self.request("b", "Hi", maxNewTokens: 12),
            Self.request("c", "Translate into French: the cat sleeps on the warm windowsill.", maxNewTokens: 8),
        ]
        let batched = try engine.run(requests)
        guard case .completed(let outputs) = batched.outcome else {
            Issue.record("expected outputs, got \(batched.outcome)")
            return
        }
        #expect(batched.duration > 0)
        #expect(outputs.map(\.id) == requests.map(\.id))
        for (request, output) in zip(requests, outputs) {
            #expect((1...request.maxNewTokens).contains(output.generatedTokens), "\(output)")
            #expect(
                (output.inputTokensSeen ?? 0) > request.prompt.utf8.count, "byte-level tokens plus the chat template")
        }
        // Left padding with a mask: each row decodes as it would alone.
        for (request, output) in zip(requests, outputs) {
            guard case .completed(let alone) = try engine.run([request]).outcome else {
                Issue.record("expected outputs for \(request.id)")
                continue
            }
            #expect(alone == [output], "\(request.id) batched vs alone")
        }
        // The engine's tokenizer, chat template included, counts what it fed the model.
        let counts = try engine.countTokens(requests.map(\.prompt), chat: true)
        #expect(counts == outputs.map { $0.inputTokensSeen ?? -1 })
        #expect(engine.tokenCounts.requests == 6)

        // Over the KV budget: refused before running, as an OOM at step 0.
        let long = String(repeating: "memory ", count: 50)
        let large = (0..<6).map { Self.request("big\($0)", long, maxNewTokens: 16) }
        let refused = try engine.run(large)
        guard case .outOfMemory(let step, let required, let available) = refused.outcome else {
            Issue.record("expected an OOM, got \(refused.outcome)")
            return
        }
        #expect(step == 0)
        #expect(available == 150_000)
        #expect(required > available)
        #expect(engine.restartCount == 0)

        let pid = try #require(engine.processID)
        engine.shutdown()
        #expect(!Self.isAlive(pid), "the engine process still runs after shutdown")
        #expect(throws: EngineError.self) { try engine.run(requests) }
    }

    @Test(.timeLimit(.minutes(4)))
    func deadOrHungEnginesAreFaultsAndAreRestartedUntilTheBudgetRunsOut() throws {
        let engine = try TransformersEngine.start(Self.settings(timeout: 3, maxRestarts: 3), log: Self.log)
        defer { engine.shutdown() }
        let gaveUp = Mutex(false)
        engine.onGiveUp { gaveUp.withLock { $0 = true } }
        let batch = [Self.request("x", "Hello there", maxNewTokens: 4)]
        func completes() -> Bool {
            guard let run = try? engine.run(batch), case .completed = run.outcome else { return false }
            return true
        }

        // Killed while idle: the next batch waits for a new process and runs.
        let first = try #require(engine.processID)
        kill(first, SIGKILL)
        Self.waitUntilEnded(first)
        #expect(completes())
        #expect(engine.restartCount == 1)
        #expect(!Self.isAlive(first))

        // Hung (stopped): the batch times out as a fault; the process is killed; the next
        // batch runs on a new one.
        let second = try #require(engine.processID)
        kill(second, SIGSTOP)
        let clock = MonotonicClock()
        #expect {
            try engine.run(batch)
        } throws: { error in
            (error as? EngineError)?.description.contains("no reply within 3 s") == true
        }
        #expect(clock.now >= 3)
        #expect(!Self.isAlive(second))
        #expect(completes())
        #expect(engine.restartCount == 2)

        // Dies during a batch: noticed at once, not at the timeout.
        let third = try #require(engine.processID)
        kill(third, SIGSTOP)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { kill(third, SIGKILL) }
        let started = clock.now
        #expect {
            try engine.run(batch)
        } throws: { error in
            (error as? EngineError)?.description.contains("killed by signal 9") == true
        }
        #expect(clock.now - started < 2.5)
        #expect(completes())
        #expect(engine.restartCount == 3)

        // A fourth failure within the window: the engine gives up and says so.
        let fourth = try #require(engine.processID)
        kill(fourth, SIGKILL)
        Self.waitUntilEnded(fourth)
        #expect(!completes())
        #expect(engine.hasGivenUp)
        #expect(gaveUp.withLock { $0 })
        #expect(engine.processID == nil)
        #expect(!completes())
    }
}
