import Coordinator
import CoordinatorShell
import Shared

/// What one fuzz input goes through: every wire decoder, then the coordinator runtime as a
/// client frame and as a report from a worker that holds a batch. Anything but a documented
/// outcome traps, which is what the fuzzer reports as a crash:
/// - a decoder either decodes, and then re-encoding and decoding gives the same message, or
///   throws a `MagnusError` with a protocol code;
/// - the runtime answers a client frame with at most one reply, which decodes; it never
///   accepts and refuses the same frame.
enum FuzzTarget {
    static let protocolCodes: Set<ErrorCode> = [.malformedMessage, .unsupportedVersion, .unknownType, .payloadTooLarge]

    /// The runtime every input starts from: one worker `w1` running a batch of two requests.
    static let start: CoordinatorRuntime = {
        var configuration = CoordinatorConfiguration()
        configuration.kvTokenCapacity = 1 << 16
        configuration.runtime.maxPayloadBytes = 1 << 16
        configuration.runtime.maxInputBytes = 4096
        configuration.runtime.maxInFlightPerClient = 4
        var runtime = CoordinatorRuntime(
            configuration: configuration,
            scheduler: try! PredictorBootstrap.scheduler(configuration, predictor: LengthRatioPredictor()))
        let worker = Array("w1".utf8)
        let capabilities = WorkerCapabilities(
            gpu: "g", model: "m", memoryBytes: 1 << 34, kvBudgetBytes: 1 << 30, kvBytesPerToken: 1 << 10)
        for id in ["a", "b"] {
            let submit = SubmitMessage(id: RequestID(id), application: "app", instruction: "Do:", input: id, maxNewTokens: 8)
            _ = runtime.receiveClient([Array("c".utf8), ClientMessage.submit(submit).payload], now: 0)
        }
        _ = runtime.receiveWorker([worker, WorkerMessage.hello(HelloMessage(worker: WorkerID("w1"), capabilities: capabilities)).payload], now: 0)
        _ = runtime.receiveWorker([worker, WorkerMessage.ready(ReadyMessage()).payload], now: 0)
        precondition(!runtime.scheduler.running.isEmpty, "the fuzz start state has no running batch")
        return runtime
    }()

    static func run(_ payload: [UInt8]) {
        decoders(payload)
        var runtime = start
        let replies = runtime.receiveClient([Array("c".utf8), payload], now: 1).compactMap { output -> CoordinatorReply? in
            guard case .client(_, let reply) = output else { return nil }
            return reply
        }
        // One reply per frame, except that a cancel answers both the canceller and the submitter.
        precondition(replies.count <= 2, "\(replies.count) replies to one client frame")
        for reply in replies {
            precondition((try? CoordinatorReply.decode(reply.payload)) == reply, "a reply does not round-trip: \(reply)")
        }
        _ = runtime.receiveWorker([Array("w1".utf8), payload], now: 1)
        _ = runtime.tick(now: 2)
    }

    private static func decoders(_ payload: [UInt8]) {
        check(payload) { bytes throws(MagnusError) in try ClientMessage.decode(bytes) } encode: { $0.payload }
        check(payload) { bytes throws(MagnusError) in try WorkerMessage.decode(bytes) } encode: { $0.payload }
        check(payload) { bytes throws(MagnusError) in try CoordinatorReply.decode(bytes) } encode: { $0.payload }
        check(payload) { bytes throws(MagnusError) in try CoordinatorDirective.decode(bytes) } encode: { $0.payload }
    }

    private static func check<M: Equatable>(
        _ payload: [UInt8], decode: ([UInt8]) throws(MagnusError) -> M, encode: (M) -> [UInt8]
    ) {
        let message: M
        do {
            message = try decode(payload)
        } catch {
            precondition(protocolCodes.contains(error.code), "decoder threw an undocumented code: \(error)")
            return
        }
        let again: M
        do {
            again = try decode(encode(message))
        } catch {
            preconditionFailure("\(M.self) does not round-trip: \(error)")
        }
        precondition(again == message, "\(M.self) changed in a round trip")
    }
}
