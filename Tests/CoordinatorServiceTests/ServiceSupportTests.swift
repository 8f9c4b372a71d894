import Coordinator
import MagnusTestSupport
import Foundation
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared
import Testing
import Worker

@Suite("Service support")
struct ServiceSupportTests {
    /// A deterministic engine for unit tests only; the services run the simulated GPU.
    struct ScriptedEngine: InferenceEngine {
        var outcome: EngineOutcome?
        var duration: Double = 2
        var isSimulated = true
        var capabilities: WorkerCapabilities {
            WorkerCapabilities(gpu: "g", model: "m", memoryBytes: 1, kvBudgetBytes: 1, kvBytesPerToken: 1)
        }
        func run(_ batch: [EngineRequest]) throws(EngineError) -> EngineRun {
            guard let outcome else { throw EngineError("no outcome scripted") }
            return EngineRun(outcome: outcome, duration: duration)
        }
    }

    let batch = BatchMessage(
        batchID: BatchID(3), requests: [WireBatchItem(id: RequestID("a"), prompt: "p", inputTokens: 5, maxNewTokens: 9, simulatedOutputTokens: 4)],
        estimatedSeconds: 1)

    @Test func batchExecutionMapsOutcomesAndScalesTime() {
        let done = BatchExecution.run(
            batch, on: ScriptedEngine(outcome: .completed([EngineOutput(id: RequestID("a"), text: "t", generatedTokens: 4)])),
            timeScale: 4)
        #expect(done.wait == 0.5)
        guard case .result(let result) = done.report else { Issue.record("not a result"); return }
        #expect(result.batchID == BatchID(3) && result.duration == 2 && result.outputs.map(\.generatedTokens) == [4])

        let oom = BatchExecution.run(
            batch, on: ScriptedEngine(outcome: .outOfMemory(step: 7, requiredBytes: 9, availableBytes: 8)), timeScale: 1)
        #expect(oom.report == .outOfMemory(OutOfMemoryMessage(batchID: BatchID(3), step: 7, requiredBytes: 9, availableBytes: 8, duration: 2)))

        let fault = BatchExecution.run(batch, on: ScriptedEngine(outcome: nil), timeScale: 1)
        #expect(fault.report == .fault(FaultMessage(batchID: BatchID(3), message: "no outcome scripted")) && fault.wait == 0)

        var real = ScriptedEngine(outcome: .completed([]))
        real.isSimulated = false
        #expect(BatchExecution.run(batch, on: real, timeScale: 1).wait == 0)
    }

    @Test func simulatedEngineHonoursTheHint() {
        let done = BatchExecution.run(batch, on: SimulatedGPUEngine(), timeScale: 100)
        guard case .result(let result) = done.report else { Issue.record("not a result"); return }
        #expect(result.outputs.map(\.generatedTokens) == [4])
        #expect(done.wait > 0 && done.wait == result.duration / 100)
    }

    @Test func finishedAnswersForgetTheOldest() {
        var h = RuntimeHarness { $0.runtime.finishedCapacity = 2 }
        let first = h.submit("a")
        _ = h.submit("b")
        _ = h.submit("c")
        let batch = h.join("w").batches[0].batch
        _ = h.fromWorker("w", RuntimeHarness.report(batch))
        // Only two answers are kept: the oldest id is new again.
        var replays = 0
        for id in ["a", "b", "c"] {
            if case .result = h.submit(id).replies.first?.reply { replays += 1 }
        }
        #expect(replays == 2)
        #expect(!first.replies.isEmpty)
    }

    @Test func fingerprintsSeparateFields() {
        func print(_ parts: [String], _ number: Int?) -> ContentFingerprint {
            var fingerprint = ContentFingerprint()
            for part in parts { fingerprint.combine(part) }
            fingerprint.combine(number)
            return fingerprint
        }
        #expect(print(["ab", "c"], 1) != print(["a", "bc"], 1))
        #expect(print(["a"], nil) != print(["a"], 0))
        #expect(print(["a"], 3) == print(["a"], 3))
    }

    @Test func policyNames() throws {
        #expect(try PolicyChoice.parse("magnus") == .magnus)
        #expect(try PolicyChoice.parse("ABP") == .abp)
        #expect(try PolicyChoice.parse("glp:8") == .glp(batchSize: 8))
        #expect(try PolicyChoice.parse("vs:4") == .vanilla(batchSize: 4))
        #expect(try PolicyChoice.parse("glp:8").batchingPolicy == .glp(batchSize: 8))
        #expect(try PolicyChoice.parse("vs:4").batchingPolicy == .vanilla(batchSize: 4))
        #expect(throws: UsageError.self) { try PolicyChoice.parse("vs") }
        #expect(throws: UsageError.self) { try PolicyChoice.parse("fifo") }
    }

    @Test func configFileKeysAreOptionalAndFlagsWin() throws {
        let path = NSTemporaryDirectory() + "magnus-config-\(UUID().uuidString).json"
        try Data(#"{"policy": "abp", "kv_token_capacity": 5000, "heartbeat_timeout_s": 9}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let parsed = try #require(try CoordinatorOptions.parse(["--config", path, "--policy", "vs:2"]).configuration)
        #expect(parsed.policy == .vanilla(batchSize: 2) && parsed.kvTokenCapacity == 5000 && parsed.runtime.heartbeatTimeout == 9)
        #expect(parsed.clientEndpoint == CoordinatorConfiguration().clientEndpoint)
        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--heartbeat-timeout", "0.5"]) }
        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--profile", "no-such-gpu"]) }
        #expect(try CoordinatorOptions.parse(["--help"]).configuration == nil)
    }

    @Test func profileGivesTheDefaultCapacity() throws {
        let capacity = try PredictorBootstrap.kvTokenCapacity(CoordinatorConfiguration())
        #expect(capacity == EngineProfile.v100ChatGLM6B.capabilities.kvTokenCapacity)
    }

    @Test func workerOptions() throws {
        let parsed = try #require(
            try WorkerOptions.parse(["--coordinator", "tcp://127.0.0.1:5556", "--gpu", "3", "--time-scale", "50", "--id", "n1-g3"]).parsed)
        #expect(parsed.configuration.id == "n1-g3" && parsed.configuration.timeScale == 50)
        #expect(throws: UsageError.self) { try WorkerOptions.parse(["--gpu", "1"]) }
        #expect(throws: UsageError.self) { try WorkerOptions.parse(["--coordinator", "x", "--profile", "tpu"]) }
    }
}

@Suite("Client helpers")
struct ClientHelperTests {
    @Test func submitFromTaskRecord() {
        let record = TaskRecord(task: "gec", input: "She go home.", reference: "She goes home.")
        let submit = SubmitMessage(id: RequestID("g1"), record: record)
        #expect(submit.application == "gec" && submit.instruction == Application.forTask("gec").instruction)
        #expect(submit.input == "She go home.")
        #expect(submit.simulatedOutputTokens == HeuristicTokenCounter().count("She goes home."))
        #expect(submit.inputTokens == nil)
    }
}
