import Foundation
import Shared
import Testing

@Suite("Wire protocol")
struct ProtocolTests {
    private func json(_ payload: [UInt8]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
    }

    private func code(_ body: () throws(MagnusError) -> Void) -> ErrorCode? {
        do {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test func submitRoundTripsWithSnakeCaseFields() throws {
        let submit = SubmitMessage(
            id: RequestID("r1"), application: "gec", instruction: "Fix:", input: "a b", inputTokens: 7,
            maxNewTokens: 64, deadlineMilliseconds: 5000, simulatedOutputTokens: 12)
        let payload = ClientMessage.submit(submit).payload
        let object = try json(payload)
        #expect(object["v"] as? Int == 1)
        #expect(object["type"] as? String == "submit")
        #expect(object["input_tokens"] as? Int == 7)
        #expect(object["max_new_tokens"] as? Int == 64)
        #expect(object["deadline_ms"] as? Int == 5000)
        #expect(object["sim_output_tokens"] as? Int == 12)
        #expect(try ClientMessage.decode(payload) == .submit(submit))
    }

    @Test func optionalSubmitFieldsMayBeAbsent() throws {
        let payload = Array(#"{"v":1,"type":"submit","id":"x","application":"a","instruction":"i","input":"t"}"#.utf8)
        guard case .submit(let submit) = try ClientMessage.decode(payload) else { Issue.record("not a submit"); return }
        #expect(submit.inputTokens == nil && submit.maxNewTokens == nil && submit.simulatedOutputTokens == nil)
    }

    @Test func everyMessageRoundTrips() throws {
        let replies: [CoordinatorReply] = [
            .accepted(AcceptedMessage(id: RequestID("a"), predictedTokens: 3, inputTokens: 9, queuePosition: 1, queueDepth: 4)),
            .result(
                ResultMessage(
                    id: RequestID("a"), text: "out", generatedTokens: 3, inputTokens: 9, predictedTokens: 4,
                    worker: WorkerID("w1"), batchID: BatchID(7), queueMilliseconds: 1.5, responseMilliseconds: 20)),
            .error(ErrorMessage(id: RequestID("a"), code: .overloaded, message: "busy")),
            .error(ErrorMessage(code: .malformedMessage, message: "bad")),
            .cancelled(CancelledMessage(id: RequestID("a"), cancelled: false, reason: "running")),
            .pong(PongMessage(nonce: "n", uptime: 1, queueDepth: 0, workers: 2, draining: false)),
        ]
        for reply in replies { #expect(try CoordinatorReply.decode(reply.payload) == reply) }

        let capabilities = WorkerCapabilities(
            gpu: "V100", model: "m", memoryBytes: 32, kvBudgetBytes: 16, kvBytesPerToken: 2, maxBatchSize: 8,
            prefill: PrefillMemory(budgetBytes: 20, bytesPerToken: 3, bytesPerTokenPair: 1))
        let fromWorker: [WorkerMessage] = [
            .hello(HelloMessage(worker: WorkerID("w1"), capabilities: capabilities)),
            .ready(ReadyMessage()),
            .heartbeat(HeartbeatMessage(batchID: BatchID(3))),
            .heartbeat(HeartbeatMessage()),
            .result(
                BatchResultMessage(
                    batchID: BatchID(3), duration: 1.25,
                    outputs: [
                        RequestOutput(id: RequestID("a"), text: "t", generatedTokens: 2, inputTokensSeen: 5),
                        RequestOutput(id: RequestID("b"), text: "u", generatedTokens: 8, finished: false),
                    ])),
            .outOfMemory(OutOfMemoryMessage(batchID: BatchID(3), step: 4, requiredBytes: 10, availableBytes: 5, duration: 0.5)),
            .fault(FaultMessage(batchID: BatchID(3), message: "boom")),
            .goodbye(GoodbyeMessage(reason: "bye")),
        ]
        for message in fromWorker { #expect(try WorkerMessage.decode(message.payload) == message) }
        guard case .hello(let hello) = fromWorker[0] else { return }
        #expect(hello.capabilities.capabilities == capabilities)

        let toWorker: [CoordinatorDirective] = [
            .welcome(WelcomeMessage(worker: WorkerID("w1"), heartbeatIntervalMilliseconds: 500, heartbeatTimeoutMilliseconds: 3000)),
            .batch(
                BatchMessage(
                    batchID: BatchID(9),
                    requests: [
                        WireBatchItem(id: RequestID("a"), prompt: "p", inputTokens: 4, maxNewTokens: 8, simulatedOutputTokens: 3),
                        WireBatchItem(id: RequestID("b"), prompt: "p", inputTokens: 9, maxNewTokens: 8, continuation: "so far"),
                    ],
                    estimatedSeconds: 2)),
            .error(ErrorMessage(code: .unknownWorker, message: "say hello")),
        ]
        for message in toWorker { #expect(try CoordinatorDirective.decode(message.payload) == message) }

        let status: [StatusMessage] = [
            .event(StatusEvent(kind: .oom, time: 3, batchID: BatchID(1), worker: WorkerID("w"), children: [BatchID(2), BatchID(3)])),
            .snapshot(
                StatusSnapshot(
                    time: 1, queueDepth: 2, queuedBatches: 1, runningBatches: 1,
                    workers: [
                        WorkerStatus(
                            worker: WorkerID("w"), state: "busy", batchID: BatchID(1), batchSize: 2, stateSeconds: 0.5,
                            completedBatches: 3, gpu: "g", model: "m")
                    ], completed: 5, failed: 0, throughput: 1.5, tokenThroughput: 30, window: 10,
                    latency: LatencySummary(p50: 1, p95: 2, p99: 3, samples: 5), predictorMAE: 4, predictorSamples: 5,
                    oomCount: 0, splitCount: 0, requeueCount: 0, workersLost: 0, errors: ["overloaded": 1], draining: false)),
        ]
        for message in status {
            #expect(try StatusMessage.decode(message.frames) == message)
            #expect(String(decoding: message.frames[0], as: UTF8.self) == message.topic.rawValue)
        }
    }

    @Test func malformedInputGetsStableCodes() {
        func clientCode(_ text: String) -> ErrorCode? {
            code { () throws(MagnusError) in _ = try ClientMessage.decode(Array(text.utf8)) }
        }
        #expect(clientCode("not json") == .malformedMessage)
        #expect(clientCode("[1,2]") == .malformedMessage)
        #expect(clientCode(#"{"type":"ping"}"#) == .unsupportedVersion)
        #expect(clientCode(#"{"v":2,"type":"ping"}"#) == .unsupportedVersion)
        #expect(clientCode(#"{"v":1}"#) == .malformedMessage)
        #expect(clientCode(#"{"v":1,"type":"launch"}"#) == .unknownType)
        #expect(clientCode(#"{"v":1,"type":"hello"}"#) == .unknownType)
        #expect(clientCode(#"{"v":1,"type":"submit","id":"x"}"#) == .malformedMessage)
        #expect(clientCode(#"{"v":1,"type":"submit","id":1,"application":"a","instruction":"i","input":"t"}"#) == .malformedMessage)
        let big = #"{"v":1,"type":"ping","nonce":""# + String(repeating: "x", count: 2000) + #""}"#
        #expect(code { () throws(MagnusError) in _ = try ClientMessage.decode(Array(big.utf8), maxBytes: 1000) } == .payloadTooLarge)
        #expect(code { () throws(MagnusError) in _ = try WorkerMessage.decode(Array(#"{"v":1,"type":"submit"}"#.utf8)) } == .unknownType)
    }

    @Test func malformedMessagesNameTheField() {
        do {
            _ = try ClientMessage.decode(Array(#"{"v":1,"type":"submit","id":"x","application":"a","input":"t"}"#.utf8))
            Issue.record("decoded a submit without instruction")
        } catch {
            #expect(error.message.contains("instruction"))
        }
    }

    @Test func finalRepliesAreClassified() {
        let id = RequestID("a")
        #expect(CoordinatorReply.error(ErrorMessage(id: id, code: .overloaded, message: "")).isFinal)
        #expect(!CoordinatorReply.error(ErrorMessage(id: id, code: .duplicateID, message: "")).isFinal)
        #expect(!CoordinatorReply.error(ErrorMessage(code: .malformedMessage, message: "")).isFinal)
        #expect(CoordinatorReply.cancelled(CancelledMessage(id: id, cancelled: true)).isFinal)
        #expect(!CoordinatorReply.cancelled(CancelledMessage(id: id, cancelled: false, reason: "running")).isFinal)
        #expect(!CoordinatorReply.accepted(AcceptedMessage(id: id, predictedTokens: 1, inputTokens: 1, queuePosition: 1, queueDepth: 1)).isFinal)
    }

    /// The wire path must not be a bottleneck: thousands of submit round trips per second
    /// even in a debug build.
    @Test func codecIsFastEnough() throws {
        let submit = ClientMessage.submit(
            SubmitMessage(
                id: RequestID("request-000001"), application: "mt_en_zh", instruction: "Translate into Chinese:",
                input: String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 8), maxNewTokens: 256))
        let clock = ContinuousClock()
        let count = 2000
        let elapsed = try clock.measure {
            for _ in 0..<count { _ = try ClientMessage.decode(submit.payload) }
        }
        let perSecond = Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        #expect(perSecond > 2000, "only \(Int(perSecond)) submit encode+decode per second")
    }
}
