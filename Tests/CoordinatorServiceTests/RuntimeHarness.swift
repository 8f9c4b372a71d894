import Coordinator
import MagnusTestSupport
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared

/// Drives a `CoordinatorRuntime` with frames, as the service shell would, and sorts what
/// comes out by destination.
struct RuntimeHarness {
    var runtime: CoordinatorRuntime
    var now = 0.0

    static let client: [UInt8] = Array("client-1".utf8)
    static let capabilities = WorkerCapabilities(
        gpu: "test-gpu", model: "test-model", memoryBytes: 1 << 34, kvBudgetBytes: 1 << 30, kvBytesPerToken: 1 << 10)

    init(_ adjust: (inout CoordinatorConfiguration) -> Void = { _ in }) {
        var configuration = CoordinatorConfiguration()
        configuration.kvTokenCapacity = 1 << 20
        configuration.runtime.heartbeatInterval = 1
        configuration.runtime.heartbeatTimeout = 3
        adjust(&configuration)
        let scheduler = try! PredictorBootstrap.scheduler(configuration, predictor: LengthRatioPredictor())
        runtime = CoordinatorRuntime(configuration: configuration, scheduler: scheduler)
    }

    /// Everything one step produced.
    struct Step {
        var outputs: [CoordinatorOutput]

        /// Replies to clients, with the routing id they go to.
        var replies: [(client: [UInt8], reply: CoordinatorReply)] {
            outputs.compactMap { if case .client(let envelope, let reply) = $0 { (envelope.client.bytes, reply) } else { nil } }
        }
        /// Directives to workers, by routing id.
        var directives: [(worker: String, directive: CoordinatorDirective)] {
            outputs.compactMap {
                if case .worker(let id, let directive) = $0 { (String(decoding: id.bytes, as: UTF8.self), directive) } else { nil }
            }
        }
        var events: [StatusEvent] {
            outputs.compactMap { if case .status(.event(let event)) = $0 { event } else { nil } }
        }
        var batches: [(worker: String, batch: BatchMessage)] {
            directives.compactMap { if case .batch(let batch) = $0.directive { ($0.worker, batch) } else { nil } }
        }
        var results: [ResultMessage] {
            replies.compactMap { if case .result(let result) = $0.reply { result } else { nil } }
        }
        var errors: [ErrorMessage] {
            replies.compactMap { if case .error(let error) = $0.reply { error } else { nil } }
        }
        var workerErrors: [ErrorMessage] {
            directives.compactMap { if case .error(let error) = $0.directive { error } else { nil } }
        }
    }

    mutating func fromClient(_ message: ClientMessage, client: [UInt8] = client) -> Step {
        Step(outputs: runtime.receiveClient([client, message.payload], now: now))
    }

    mutating func fromClientRaw(_ frames: [[UInt8]]) -> Step {
        Step(outputs: runtime.receiveClient(frames, now: now))
    }

    mutating func fromWorker(_ id: String, _ message: WorkerMessage) -> Step {
        Step(outputs: runtime.receiveWorker([Array(id.utf8), message.payload], now: now))
    }

    mutating func tick() -> Step { Step(outputs: runtime.tick(now: now)) }

    mutating func submit(_ id: String, inputTokens: Int = 10, output: Int = 5, client: [UInt8] = client) -> Step {
        fromClient(
            .submit(
                SubmitMessage(
                    id: RequestID(id), application: "app", instruction: "Do:", input: "input of \(id)",
                    inputTokens: inputTokens, maxNewTokens: 100, simulatedOutputTokens: output)),
            client: client)
    }

    /// A worker says hello and asks for work.
    mutating func join(_ id: String, capabilities: WorkerCapabilities = capabilities) -> Step {
        var outputs = fromWorker(id, .hello(HelloMessage(worker: WorkerID(id), capabilities: capabilities))).outputs
        outputs += fromWorker(id, .ready(ReadyMessage())).outputs
        return Step(outputs: outputs)
    }

    /// The worker's report for a batch, every request generating its hinted length.
    static func report(_ batch: BatchMessage, duration: Double = 1) -> WorkerMessage {
        .result(
            BatchResultMessage(
                batchID: batch.batchID, duration: duration,
                outputs: batch.requests.map {
                    RequestOutput(id: $0.id, text: "out \($0.id)", generatedTokens: $0.simulatedOutputTokens ?? 1)
                }))
    }
}
