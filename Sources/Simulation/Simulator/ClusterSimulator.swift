import Coordinator
import Shared
import Worker

/// One simulated GPU worker: its id and engine.
public struct SimulatedWorker: Sendable {
    public var id: WorkerID
    public var engine: any InferenceEngine
    public init(id: WorkerID, engine: any InferenceEngine) {
        self.id = id
        self.engine = engine
    }
}

/// The discrete-event simulator: the production `Scheduler` driven by a virtual clock.
/// Requests arrive at their `arrival` times; idle workers pull batches; each batch's
/// duration and OOM come from the worker's engine; the clock jumps from event to event.
///
/// Optionally, the batch-time estimator is retrained from observed batches every
/// `estimatorRetrainInterval` seconds of virtual time, as the paper's continuous learning
/// does (the predictor's retraining is the learning layer's job).
public struct ClusterSimulator: Sendable {
    enum Event: Sendable {
        case arrival(Int)
        case batchDone(worker: Int, batch: DispatchedBatch, run: EngineRun)
        case retrainEstimator
        case retrainModels
    }

    public var scheduler: Scheduler
    public let workers: [SimulatedWorker]
    public let requests: [Request]
    /// Samples the estimator starts from (profiling runs); observed batches are added.
    public var estimatorSamples: [BatchTimeSample]
    public var estimatorRetrainInterval: Seconds?
    /// The paper's continuous learning with the pure trainers on virtual time; it also
    /// records every finished request. Set `estimatorRetrainInterval` to nil with it.
    public var learning: SimulatedLearning?

    public init(
        scheduler: Scheduler, workers: [SimulatedWorker], requests: [Request], estimatorSamples: [BatchTimeSample] = [],
        estimatorRetrainInterval: Seconds? = 120
    ) {
        precondition(!workers.isEmpty, "a cluster needs at least one worker")
        self.scheduler = scheduler
        self.workers = workers
        self.requests = requests.sorted { ($0.arrival, $0.id) < ($1.arrival, $1.id) }
        self.estimatorSamples = estimatorSamples
        self.estimatorRetrainInterval = estimatorRetrainInterval
    }

    /// Runs until every request has finished, failed or been rejected.
    /// - Parameter progress: called with (finished, total) now and then.
    /// - Complexity: O(events × (log events + queued batches)).
    public mutating func run(progress: (Int, Int) -> Void = { _, _ in }) -> MetricsRecorder {
        var events = EventQueue<Event>()
        var recorder = MetricsRecorder()
        var idle = Array(workers.indices)
        var finished = 0
        var lastProgress = 0
        for (index, request) in requests.enumerated() { events.schedule(.arrival(index), at: request.arrival) }
        recorder.submitted = requests.count
        recorder.firstArrival = requests.first?.arrival ?? 0
        recorder.lastArrival = requests.last?.arrival ?? 0
        if let interval = estimatorRetrainInterval, !requests.isEmpty {
            events.schedule(.retrainEstimator, at: requests[0].arrival + interval)
        }
        if let deadline = learning?.nextDeadline, deadline.isFinite, !requests.isEmpty {
            events.schedule(.retrainModels, at: deadline)
        }

        func count(_ actions: [SchedulerAction]) -> Int {
            actions.reduce(0) { total, action in
                switch action {
                case .completed, .failed, .rejected: total + 1
                default: total
                }
            }
        }

        while let (now, event) = events.pop() {
            switch event {
            case .arrival(let index):
                let actions = scheduler.submit(requests[index], now: now)
                recorder.record(actions, now: now)
                learning?.observe(actions, now: now)
                finished += count(actions)
            case .batchDone(let workerIndex, let batch, let run):
                idle.append(workerIndex)
                recorder.busyTime += run.duration
                let actions: [SchedulerAction]
                switch run.outcome {
                case .completed(let outputs):
                    let report = BatchReport(batchID: batch.id, worker: batch.worker, duration: run.duration, outputs: outputs)
                    actions = scheduler.complete(report, now: now)
                    for case .observedBatch(let observation) in actions {
                        estimatorSamples.append(
                            BatchTimeSample(
                                features: BatchFeatures(
                                    batchSize: observation.predicted.batchSize, maxInput: observation.predicted.maxInput,
                                    maxGeneration: observation.actualMaxGeneration),
                                seconds: observation.actualTime))
                    }
                case .outOfMemory(let step, _, _):
                    recorder.oomEvents += 1
                    if step == 0 { recorder.prefillOOMEvents += 1 }
                    actions = scheduler.failed(batch.id, reason: .outOfMemory(step: step), now: now)
                }
                recorder.record(actions, now: now)
                learning?.observe(actions, now: now)
                finished += count(actions)
            case .retrainModels:
                learning?.runDue(at: now, scheduler: &scheduler)
                if finished < requests.count, let deadline = learning?.nextDeadline, deadline.isFinite {
                    events.schedule(.retrainModels, at: max(deadline, now))
                }
            case .retrainEstimator:
                scheduler.replaceEstimator(KNNBatchTimeEstimator(samples: estimatorSamples))
                if finished < requests.count, let interval = estimatorRetrainInterval {
                    events.schedule(.retrainEstimator, at: now + interval)
                }
            }
            // Idle workers pull work, in worker order for determinism.
            idle.sort()
            var stillIdle: [Int] = []
            for workerIndex in idle {
                let worker = workers[workerIndex]
                guard let batch = scheduler.nextBatch(for: worker.id, capabilities: worker.engine.capabilities, now: now)
                else {
                    stillIdle.append(workerIndex)
                    continue
                }
                let run = Self.execute(batch, on: worker.engine)
                recorder.batches += 1
                recorder.batchedRequests += batch.members.count
                events.schedule(.batchDone(worker: workerIndex, batch: batch, run: run), at: now + run.duration)
            }
            idle = stillIdle
            if finished - lastProgress >= 500 {
                lastProgress = finished
                progress(finished, requests.count)
            }
        }
        progress(finished, requests.count)
        return recorder
    }

    /// Runs a batch on an engine; an engine error counts as an immediate OOM-free fault of
    /// zero duration (the simulated engines do not raise).
    static func execute(_ batch: DispatchedBatch, on engine: any InferenceEngine) -> EngineRun {
        do {
            return try engine.run(batch.items)
        } catch {
            preconditionFailure("simulated engines do not fail: \(error)")
        }
    }
}
