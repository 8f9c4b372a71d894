#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceSupport
import Worker

/// A reply from the engine process, decoded by its `type`.
enum EngineReply: Sendable {
    case hello(EngineHello)
    case result(EngineBatchResult)
    case outOfMemory(EngineOutOfMemory)
    /// The engine refused or failed on the request and keeps serving.
    case error(code: String, message: String)
    case tokenCounts([Int])
    /// The answer to `shutdown`.
    case bye
    /// Continuous mode: the answer to `cb_add`.
    case continuousAdded(ids: [String])
    /// Continuous mode: the answer to `cb_poll`.
    case continuousEvents(EngineContinuousEvents)

    private struct Header: Decodable {
        var v: Int?
        var type: String
    }

    private struct Failure: Decodable {
        var code: String
        var message: String
    }

    private struct Counts: Decodable {
        var counts: [Int]
    }

    private struct Added: Decodable {
        var ids: [String]
    }

    /// Decodes one reply frame.
    /// - Throws: `EngineError` for anything that is not a version-1 reply of a known type.
    /// - Complexity: O(n) in the payload size.
    static func decode(_ payload: [UInt8]) throws(EngineError) -> EngineReply {
        let data = Data(payload)
        let decoder = JSONDecoder()
        do {
            let header = try decoder.decode(Header.self, from: data)
            guard header.v == nil || header.v == 1 else {
                throw EngineError("the engine replied with protocol version \(header.v!); this worker speaks 1")
            }
            switch header.type {
            case "hello": return .hello(try decoder.decode(EngineHello.self, from: data))
            case "result": return .result(try decoder.decode(EngineBatchResult.self, from: data))
            case "oom": return .outOfMemory(try decoder.decode(EngineOutOfMemory.self, from: data))
            case "token_counts": return .tokenCounts(try decoder.decode(Counts.self, from: data).counts)
            case "bye": return .bye
            case "cb_added": return .continuousAdded(ids: try decoder.decode(Added.self, from: data).ids)
            case "cb_events": return .continuousEvents(try decoder.decode(EngineContinuousEvents.self, from: data))
            case "error":
                let failure = try decoder.decode(Failure.self, from: data)
                return .error(code: failure.code, message: failure.message)
            default: throw EngineError("the engine replied with an unknown message type '\(header.type)'")
            }
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError("the engine's reply could not be read: \(error)")
        }
    }
}
