#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceSupport
import Worker

/// A message to the engine process (protocol v1, docs/real-engine.md): one JSON object in one
/// frame. Request ids travel as strings and come back verbatim; batch ids are integers.
enum EngineCommand: Encodable, Sendable {
    /// Asks for the engine's model, device and memory figures.
    case hello
    /// Runs one static batch.
    case run(batchID: Int, requests: [EngineRequest])
    /// Counts tokens with the model's tokenizer (`chat`: with the chat template applied).
    case countTokens(texts: [String], chat: Bool)
    /// Asks the engine to exit after replying.
    case shutdown
    /// Continuous mode: requests that join the running batch (ids are the admissions').
    case continuousAdd([(id: String, request: EngineRequest)])
    /// Continuous mode: the events since the last poll, waiting up to `waitMilliseconds`.
    case continuousPoll(waitMilliseconds: Int)

    private enum Keys: String, CodingKey {
        case v, type, texts, chat, requests, id, prompt, continuation
        case batchID = "batch_id"
        case waitMilliseconds = "wait_ms"
        case maxNewTokens = "max_new_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(1, forKey: .v)
        switch self {
        case .hello:
            try container.encode("hello", forKey: .type)
        case .shutdown:
            try container.encode("shutdown", forKey: .type)
        case .countTokens(let texts, let chat):
            try container.encode("count_tokens", forKey: .type)
            try container.encode(texts, forKey: .texts)
            try container.encode(chat, forKey: .chat)
        case .continuousPoll(let wait):
            try container.encode("cb_poll", forKey: .type)
            try container.encode(max(0, min(wait, 5000)), forKey: .waitMilliseconds)
        case .continuousAdd(let rows):
            try container.encode("cb_add", forKey: .type)
            try Self.encode(rows, into: &container)
        case .run(let batchID, let requests):
            try container.encode("run", forKey: .type)
            try container.encode(batchID, forKey: .batchID)
            try Self.encode(requests.map { (id: $0.id.rawValue, request: $0) }, into: &container)
        }
    }

    /// The `requests` rows of a `run` or `cb_add`.
    private static func encode(_ requests: [(id: String, request: EngineRequest)], into container: inout KeyedEncodingContainer<Keys>) throws {
        var rows = container.nestedUnkeyedContainer(forKey: .requests)
        for (id, request) in requests {
            var row = rows.nestedContainer(keyedBy: Keys.self)
            try row.encode(id, forKey: .id)
            try row.encode(request.prompt, forKey: .prompt)
            // The engine refuses limits below 1; the coordinator never sends them.
            try row.encode(max(1, request.maxNewTokens), forKey: .maxNewTokens)
            // Text generated before (a capped batch, a preemption): the engine resumes after it.
            try row.encodeIfPresent(request.continuation, forKey: .continuation)
        }
    }

    /// The frame to send.
    var payload: [UInt8] {
        // Encoding strings, integers and booleans cannot fail.
        Array((try? JSONEncoder().encode(self)) ?? Data())
    }
}
