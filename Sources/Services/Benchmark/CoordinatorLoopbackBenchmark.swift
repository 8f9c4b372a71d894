import Coordinator
import Shared
import Transport

/// Measures the coordinator service over loopback TCP, in process: how many submits per
/// second it acknowledges (no workers, so every request stays queued), and the round trip
/// from a worker's `ready` to its `batch` with that queue behind it.
public struct CoordinatorLoopbackBenchmark {
    public var submits: Int
    public var dispatches: Int
    public var window: Int
    public var capabilities: WorkerCapabilities

    public init(submits: Int, dispatches: Int, window: Int = 2_000, capabilities: WorkerCapabilities) {
        self.submits = submits
        self.dispatches = dispatches
        self.window = window
        self.capabilities = capabilities
    }

    /// What the benchmark measured.
    public struct Result: Sendable {
        public var submitsPerSecond: Double
        public var submitSeconds: Double
        public var dispatchP50Milliseconds: Double
        public var dispatchP99Milliseconds: Double
        public var dispatches: Int
    }

    /// - Parameters:
    ///   - requests: what to submit (cycled, with fresh ids).
    ///   - configuration: the coordinator's settings; endpoints are replaced by loopback ones.
    ///   - scheduler: the core the service runs.
    public func run(
        requests: [SubmitMessage], configuration: CoordinatorConfiguration, scheduler: Scheduler,
        progress: (String) -> Void = { _ in }
    ) throws -> Result {
        precondition(!requests.isEmpty)
        var configuration = configuration
        configuration.clientEndpoint = "tcp://127.0.0.1:*"
        configuration.workerEndpoint = "tcp://127.0.0.1:*"
        configuration.statusEndpoint = "tcp://127.0.0.1:*"
        configuration.maxQueuedRequests = max(configuration.maxQueuedRequests, submits + 1)
        let service = CoordinatorService(
            configuration: configuration, scheduler: scheduler, log: ServiceLog(component: "bench", minimum: .warning))
        let endpoints = try service.start()
        defer {
            service.stop()
            _ = service.wait()
        }
        let context = try ZMQContext()
        let client = try context.socket(.dealer)
        defer { client.close() }
        try client.setSendHighWaterMark(0)
        try client.setReceiveHighWaterMark(0)
        try client.connect(endpoints.client)

        // Phase 1: pipelined submits, at most `window` unacknowledged.
        let clock = MonotonicClock()
        var sent = 0, acknowledged = 0
        var lastReport = 0.0
        let start = clock.now
        while acknowledged < submits {
            while sent < submits && sent - acknowledged < window {
                var message = requests[sent % requests.count]
                message.id = RequestID("bench-\(sent)")
                guard try client.send([ClientMessage.submit(message).payload], dontWait: true) else { break }
                sent += 1
            }
            if let frames = try client.receive(dontWait: sent - acknowledged < window && sent < submits) {
                if case .accepted = try CoordinatorReply.decode(frames.last ?? []) { acknowledged += 1 }
            }
            if clock.now - lastReport > 0.5 {
                lastReport = clock.now
                progress("submits: \(acknowledged)/\(submits) acknowledged")
            }
        }
        let submitSeconds = clock.now - start

        // Phase 2: a fake worker pulls batches from the full queue.
        let worker = try context.socket(.dealer)
        defer { worker.close() }
        try worker.setRoutingID("bench-worker")
        try worker.connect(endpoints.worker)
        try worker.send([WorkerMessage.hello(HelloMessage(worker: WorkerID("bench-worker"), capabilities: capabilities)).payload])
        _ = try worker.receive()  // welcome
        var latencies: [Double] = []
        var lastBeat = clock.now
        for round in 0..<dispatches {
            if clock.now - lastBeat > 0.2 {
                lastBeat = clock.now
                try worker.send([WorkerMessage.heartbeat(HeartbeatMessage(batchID: nil)).payload])
            }
            let asked = clock.now
            try worker.send([WorkerMessage.ready(ReadyMessage()).payload])
            var batch: BatchMessage?
            while batch == nil {
                guard let frames = try worker.receive() else { continue }
                if case .batch(let message) = try CoordinatorDirective.decode(frames.last ?? []) { batch = message }
            }
            latencies.append((clock.now - asked) * 1000)
            let outputs = batch!.requests.map { RequestOutput(id: $0.id, text: "x", generatedTokens: 1) }
            try worker.send([WorkerMessage.result(BatchResultMessage(batchID: batch!.batchID, duration: 0.01, outputs: outputs)).payload])
            // Keep the queue at its depth: submit as many new requests as were served, and
            // take the client's replies off the socket.
            for _ in 0..<outputs.count {
                var message = requests[sent % requests.count]
                message.id = RequestID("bench-\(sent)")
                try client.send([ClientMessage.submit(message).payload])
                sent += 1
            }
            while try client.receive(dontWait: true) != nil {}
            if round % 100 == 0 { progress("dispatches: \(round)/\(dispatches)") }
        }
        latencies.sort()
        func percentile(_ q: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(q * Double(latencies.count - 1)))] }
        return Result(
            submitsPerSecond: Double(submits) / submitSeconds, submitSeconds: submitSeconds,
            dispatchP50Milliseconds: percentile(0.5), dispatchP99Milliseconds: percentile(0.99), dispatches: latencies.count)
    }
}
