import Foundation
import Coordinator
import MagnusTestSupport
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared
import Testing

/// Replays `Tests/Fixtures/bad-messages/`: every crafted payload gets exactly one explicit
/// error with the code its file name gives, is counted, and leaves the runtime serving.
@Suite("Bad-message corpus")
struct BadMessageCorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var socket: String
        var code: ErrorCode
        var testDescription: String { file }
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bad-messages")

    static let cases: [Case] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { name in
            let parts = name.split(separator: ".", maxSplits: 2)
            guard parts.count == 3, ["client", "worker"].contains(parts[0]) else { return nil }
            return Case(file: name, socket: String(parts[0]), code: ErrorCode(String(parts[1])))
        }
    }()

    @Test func theCorpusIsThere() {
        #expect(Self.cases.count >= 50, "found \(Self.cases.count) cases in \(Self.folder.path)")
        let codes = Set(Self.cases.map(\.code))
        for code: ErrorCode in [.malformedMessage, .unsupportedVersion, .unknownType, .payloadTooLarge, .invalidRequest, .inputTooLong, .unknownWorker] {
            #expect(codes.contains(code), "no case for \(code)")
        }
    }

    @Test(arguments: cases)
    func eachIsRefusedWithItsCode(_ item: Case) throws {
        let payload = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(item.file)))
        var h = RuntimeHarness {
            $0.runtime.maxPayloadBytes = 4096
            $0.runtime.maxInputBytes = 1000
        }
        let step: RuntimeHarness.Step
        let codes: [ErrorCode]
        if item.socket == "client" {
            step = h.fromClientRaw([RuntimeHarness.client, payload])
            codes = step.errors.map(\.code)
        } else {
            step = RuntimeHarness.Step(outputs: h.runtime.receiveWorker([Array("w9".utf8), payload], now: h.now))
            codes = step.workerErrors.map(\.code)
        }
        #expect(codes == [item.code], "\(item.file): \(step.outputs)")
        #expect(step.replies.allSatisfy { if case .accepted = $0.reply { false } else { true } })
        #expect(h.runtime.workerCount == 0 && h.runtime.pendingCount == 0)
        #expect(h.runtime.snapshot(now: h.now).errors[item.code.rawValue] == 1)
        // Still serving.
        let pong = h.fromClient(.ping(PingMessage(nonce: "after")))
        #expect(pong.replies.contains { if case .pong = $0.reply { true } else { false } })
    }

    @Test(arguments: cases)
    func decodersThrowOrDecodeButNeverTrap(_ item: Case) throws {
        let payload = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(item.file)))
        // Any outcome but a trap is fine here; the runtime test above checks the codes.
        _ = try? ClientMessage.decode(payload, maxBytes: 4096)
        _ = try? WorkerMessage.decode(payload)
        _ = try? CoordinatorReply.decode(payload)
        _ = try? CoordinatorDirective.decode(payload)
        _ = try? StatusMessage.decode([Array("event".utf8), payload])
    }
}
