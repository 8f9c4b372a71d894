import Coordinator
import CoordinatorShell
import ServiceSupport
import Shared
import Transport

/// Measures the coordinator service over loopback TCP, in process: how many submits per
/// second it acknowledges (no workers, so every request stays queued), and the round trip
/// from a worker's `ready` to its `batch` with that queue behind it, as well as the loop's
/// own dispatch decision time. With a log store and retraining, each dispatch is marked by
/// whether a retraining run was in progress, so the two can be compared.
public struct CoordinatorLoopbackBenchmark {
    public var submits: Int
    public var dispatches: Int
    public var window: Int
    public var capabilities: WorkerCapabilities
    /// Keep dispatching at least this long (seconds), beyond `dispatches`.
    public var dispatchSeconds: Double

    public init(
        submits: Int, dispatches: Int, window: Int = 2_000, capabilities: WorkerCapabilities, dispatchSeconds: Double = 0
    ) {
        self.submits = submits
        self.dispatches = dispatches
        self.window = window
        self.capabilities = capabilities
        self.dispatchSeconds = dispatchSeconds
    }

    /// What the benchmark measured.
    public struct Result: Sendable {
        public var submitsPerSecond: Double
        public var submitSeconds: Double
        public var dispatchP50Milliseconds: Double
        public var dispatchP99Milliseconds: Double
        public var dispatches: Int
        /// The round trips during which a retraining run was in progress, and their p50 and p99.
        public var dispatchesDuringRetraining: Int
        public var dispatchP50DuringRetrainingMilliseconds: Double
        public var dispatchP99DuringRetrainingMilliseconds: Double
        /// The loop's dispatch decision (taking `ready` to having the batch), in microseconds.
        public var decisionP50Microseconds: Double
        public var decisionP99Microseconds: Double
        /// The same, for decisions made while a retraining run was in progress.
        public var decisionP99DuringRetrainingMicroseconds: Double
        /// The retraining thread's work over the whole run (nil without a log store).
        public var retraining: RetrainingStatistics?
        /// The longest a model swap held the service loop, milliseconds (0 without swaps).
        public var longestSwapMilliseconds: Double
    }

    /// - Parameters:
    ///   - requests: what to submit (cycled, with fresh ids).
    ///   - configuration: the coordinator's settings; endpoints are replaced by loopback ones.
    ///   - scheduler: the core the service runs.
    public func run(
        requests: [SubmitMessage], configuration: CoordinatorConfiguration, scheduler: Scheduler,
        progress: (String) -> Void = { _ in }
    ) throws -> Result {
        let configuration = loopback(configuration)
        let service = CoordinatorService(
            configuration: configuration, scheduler: scheduler, log: ServiceLog(component: "bench", minimum: .warning))
        return try measure(service, requests: requests, progress: progress)
    }

    /// As `run(requests:configuration:scheduler:)`, with a service that bootstraps its models
    /// from `trainingExamples` (or the log store) and, with a log path, retrains them.
    public func run(
        requests: [SubmitMessage], configuration: CoordinatorConfiguration, trainingExamples: [LengthExample],
        progress: (String) -> Void = { _ in }
    ) throws -> Result {
        let service = CoordinatorService(
            configuration: loopback(configuration), log: ServiceLog(component: "bench", minimum: .warning),
            trainingExamples: trainingExamples)
        return try measure(service, requests: requests, progress: progress)
    }

    private func loopback(_ configuration: CoordinatorConfiguration) -> CoordinatorConfiguration {
        var configuration = configuration
        configuration.clientEndpoint = "tcp://127.0.0.1:*"
        configuration.workerEndpoint = "tcp://127.0.0.1:*"
        configuration.statusEndpoint = "tcp://127.0.0.1:*"
        configuration.runtime.maxQueuedRequests = max(configuration.runtime.maxQueuedRequests, submits + 1)
        return configuration
    }

    private func measure(
        _ service: CoordinatorService, requests: [SubmitMessage], progress: (String) -> Void
    ) throws -> Result {
        precondition(!requests.isEmpty)
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
        var duringRetraining: [Double] = []
        var lastBeat = clock.now
        let dispatchStart = clock.now
        var round = 0
        while round < dispatches || clock.now - dispatchStart < dispatchSeconds {
            defer { round += 1 }
            if clock.now - lastBeat > 0.2 {
                lastBeat = clock.now
                try worker.send([WorkerMessage.heartbeat(HeartbeatMessage(batchID: nil)).payload])
            }
            let retrainingBefore = service.isRetraining
            let asked = clock.now
            try worker.send([WorkerMessage.ready(ReadyMessage()).payload])
            var batch: BatchMessage?
            while batch == nil {
                guard let frames = try worker.receive() else { continue }
                if case .batch(let message) = try CoordinatorDirective.decode(frames.last ?? []) { batch = message }
            }
            latencies.append((clock.now - asked) * 1000)
            if retrainingBefore || service.isRetraining { duringRetraining.append(latencies[latencies.count - 1]) }
            // Plausible reports (the hinted lengths, the estimated time), so that what retraining
            // learns resembles the models in service and batches keep their shape.
            let outputs = batch!.requests.map {
                RequestOutput(id: $0.id, text: "x", generatedTokens: $0.simulatedOutputTokens ?? 1)
            }
            try worker.send([
                WorkerMessage.result(
                    BatchResultMessage(batchID: batch!.batchID, duration: batch!.estimatedSeconds, outputs: outputs)
                ).payload
            ])
            // Keep the queue at its depth: submit as many new requests as were served, and
            // take the client's replies off the socket.
            for _ in 0..<outputs.count {
                var message = requests[sent % requests.count]
                message.id = RequestID("bench-\(sent)")
                try client.send([ClientMessage.submit(message).payload])
                sent += 1
            }
            while try client.receive(dontWait: true) != nil {}
            if round % 100 == 0 { progress("dispatches: \(round) (\(duringRetraining.count) during retraining)") }
        }
        func percentile(_ values: [Double], _ q: Double) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1)))]
        }
        let decisions = service.dispatchDecisionTimes
        let decisionMicroseconds = decisions.map { $0.seconds * 1e6 }
        let retrainingDecisions = decisions.filter(\.retraining).map { $0.seconds * 1e6 }
        return Result(
            submitsPerSecond: Double(submits) / submitSeconds, submitSeconds: submitSeconds,
            dispatchP50Milliseconds: percentile(latencies, 0.5), dispatchP99Milliseconds: percentile(latencies, 0.99),
            dispatches: latencies.count, dispatchesDuringRetraining: duringRetraining.count,
            dispatchP50DuringRetrainingMilliseconds: percentile(duringRetraining, 0.5),
            dispatchP99DuringRetrainingMilliseconds: percentile(duringRetraining, 0.99),
            decisionP50Microseconds: percentile(decisionMicroseconds, 0.5),
            decisionP99Microseconds: percentile(decisionMicroseconds, 0.99),
            decisionP99DuringRetrainingMicroseconds: percentile(retrainingDecisions, 0.99),
            retraining: service.retrainingStatistics,
            longestSwapMilliseconds: (service.modelSwapTimes.max() ?? 0) * 1000)
    }
}
