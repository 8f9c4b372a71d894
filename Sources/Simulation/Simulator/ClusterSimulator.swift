import Coordinator
import Shared
import Worker

/// One simulated GPU worker: its id and engine (static, or continuous when set).
public struct SimulatedWorker: Sendable {
    public var id: WorkerID
    public var engine: any InferenceEngine
    /// An iteration-level engine: the worker then runs in continuous mode.
    public var continuousEngine: (any ContinuousEngine)?

    public init(id: WorkerID, engine: any InferenceEngine) {
        self.id = id
        self.engine = engine
    }

    /// A continuous worker.
    public init(id: WorkerID, continuousEngine: any ContinuousEngine, staticFallback: any InferenceEngine) {
        self.id = id
        engine = staticFallback
        self.continuousEngine = continuousEngine
    }

    /// What it announces.
    public var capabilities: WorkerCapabilities { continuousEngine?.capabilities ?? engine.capabilities }
}

/// The discrete-event simulator: the production coordinator core (`CoordinatorRuntime`, with
/// its admission, deadlines, idempotency, dispatch, worker liveness and drain) and the
/// production worker core (`WorkerSession`, `BatchExecution`) driven by a virtual clock, in
/// the spirit of swift-nio's embedded event loop. Clients submit at the requests' `arrival`
/// times; each worker says hello, asks for work, runs each batch on its engine and reports it
/// after the engine's modelled duration; heartbeats and the runtime's timer run every
/// `tickInterval`; the clock jumps from event to event. The simulator is a shell like the
/// real-time service: it only carries messages between the cores, and its journal is the
/// stream of `CoordinatorOutput.journal` records it reads the metrics from.
///
/// Optionally, the batch-time estimator is retrained from observed batches every
/// `estimatorRetrainInterval` seconds of virtual time, as the paper's continuous learning
/// does (the predictor's retraining is the learning layer's job).
public struct ClusterSimulator: Sendable {
    enum Event: Sendable {
        case arrival(Int)
        case batchDone(worker: Int, report: WorkerMessage)
        /// A continuous engine's step ended; its reports are due.
        case stepDone(worker: Int, step: ContinuousStep)
        case tick
        case retrainEstimator
        case retrainModels
        case drain
        case workerFails(Int)
    }

    /// One simulated worker agent: the production session state machine and its engine.
    struct Agent: Sendable {
        var routingID: RoutingID
        var session: WorkerSession
        var engine: any InferenceEngine
        var continuousEngine: (any ContinuousEngine)?
        /// Whether a continuous engine's step is under way.
        var isStepping = false
        var isAlive = true
    }

    /// The production coordinator core being driven.
    public private(set) var runtime: CoordinatorRuntime
    public let workers: [SimulatedWorker]
    public let requests: [Request]
    /// Samples the estimator starts from (profiling runs); observed batches are added.
    public var estimatorSamples: [BatchTimeSample]
    public var estimatorRetrainInterval: Seconds?
    /// The paper's continuous learning with the pure trainers on virtual time; it also
    /// records every finished request. Set `estimatorRetrainInterval` to nil with it.
    public var learning: SimulatedLearning?
    /// When set, the coordinator begins a drain at this virtual time (as on SIGTERM).
    public var drainAt: Seconds?
    /// Workers that go silent during the run (crashed, unplugged), by worker index, with
    /// the virtual time: each sends nothing more and its running batch never reports, so the
    /// coordinator must notice by heartbeats.
    public var failures: [Int: Seconds] = [:]
    /// Virtual seconds between timer ticks (heartbeats, deadline scans, silent workers).
    public var tickInterval: Seconds

    /// The routing id of the one simulated client connection.
    static let client = ClientEnvelope(client: RoutingID("sim-client"))

    /// - Parameters:
    ///   - scheduler: the scheduling core the coordinator runs (policy, predictor, estimator).
    ///   - settings: the coordinator's limits and timings; nil gives `simulationSettings(for:)`.
    public init(
        scheduler: Scheduler, workers: [SimulatedWorker], requests: [Request], estimatorSamples: [BatchTimeSample] = [],
        estimatorRetrainInterval: Seconds? = 120, settings: RuntimeSettings? = nil
    ) {
        precondition(!workers.isEmpty, "a cluster needs at least one worker")
        let sorted = requests.sorted { ($0.arrival, $0.id) < ($1.arrival, $1.id) }
        var settings = settings ?? Self.simulationSettings(for: sorted)
        // The simulator reads what happened from the journal records.
        settings.journaling = true
        runtime = CoordinatorRuntime(settings: settings, scheduler: scheduler)
        self.workers = workers
        self.requests = sorted
        self.estimatorSamples = estimatorSamples
        self.estimatorRetrainInterval = estimatorRetrainInterval
        tickInterval = runtime.suggestedTickInterval
    }

    /// The production defaults, with limits that admit every request of a benchmark workload
    /// (its `max_new_tokens` and its queue length), and status snapshots every 10 s of
    /// virtual time (nobody watches them).
    public static func simulationSettings(for requests: [Request]) -> RuntimeSettings {
        var settings = RuntimeSettings()
        settings.maxNewTokensLimit = max(settings.maxNewTokensLimit, requests.map(\.maxNewTokens).max() ?? 0)
        settings.maxQueuedRequests = max(settings.maxQueuedRequests, requests.count + 1)
        settings.finishedCapacity = min(settings.finishedCapacity, 10_000)
        settings.statusInterval = 10
        return settings
    }

    /// Runs until every request has its final answer (result or error), or nothing can move.
    /// - Parameter progress: called with (answered, total) now and then.
    /// - Complexity: O(events × (log events + queued batches)); ticks add O(workers) per
    ///   `tickInterval` of virtual time.
    public mutating func run(progress: (Int, Int) -> Void = { _, _ in }) -> MetricsRecorder {
        var run = SimulationRun(simulator: self)
        run.start()
        while let (now, event) = run.events.pop() {
            run.handle(event, now: now)
            if run.answered - run.lastProgress >= 500 {
                run.lastProgress = run.answered
                progress(run.answered, requests.count)
            }
        }
        progress(run.answered, requests.count)
        runtime = run.runtime
        learning = run.learning
        estimatorSamples = run.estimatorSamples
        return run.recorder
    }
}

/// The mutable state of one `ClusterSimulator.run`: the cores, the agents, the event queue
/// and what was measured.
struct SimulationRun {
    typealias Event = ClusterSimulator.Event

    /// The run's setup: workload, workers, schedules.
    let setup: ClusterSimulator
    var runtime: CoordinatorRuntime
    var agents: [ClusterSimulator.Agent]
    var estimatorSamples: [BatchTimeSample]
    var learning: SimulatedLearning?
    let tickInterval: Seconds

    var events = EventQueue<Event>()
    var recorder = MetricsRecorder()
    /// Requests the coordinator acknowledged, to tell a final failure from a refusal.
    var accepted = Set<RequestID>()
    /// Final answers received by the client: results and errors.
    var answered = 0
    var lastProgress = 0
    var arrivalsLeft: Int
    /// Consecutive ticks on which nothing could move any more.
    var stalledTicks = 0
    var agentIndex: [RoutingID: Int] = [:]

    init(simulator: ClusterSimulator) {
        setup = simulator
        runtime = simulator.runtime
        agents = simulator.workers.map { worker in
            ClusterSimulator.Agent(
                routingID: RoutingID(worker.id.rawValue),
                session: WorkerSession(worker: worker.id, capabilities: worker.capabilities), engine: worker.engine,
                continuousEngine: worker.continuousEngine)
        }
        estimatorSamples = simulator.estimatorSamples
        learning = simulator.learning
        tickInterval = max(simulator.tickInterval, 1e-3)
        arrivalsLeft = simulator.requests.count
        for (index, agent) in agents.enumerated() { agentIndex[agent.routingID] = index }
    }

    var requests: [Request] { setup.requests }

    var isFinished: Bool { answered >= requests.count }

    mutating func start() {
        recorder.submitted = requests.count
        recorder.firstArrival = requests.first?.arrival ?? 0
        recorder.lastArrival = requests.last?.arrival ?? 0
        let start = requests.first?.arrival ?? 0
        for (index, request) in requests.enumerated() { events.schedule(.arrival(index), at: request.arrival) }
        if let interval = setup.estimatorRetrainInterval, !requests.isEmpty {
            events.schedule(.retrainEstimator, at: start + interval)
        }
        if let deadline = learning?.nextDeadline, deadline.isFinite, !requests.isEmpty {
            events.schedule(.retrainModels, at: deadline)
        }
        if let drainAt = setup.drainAt { events.schedule(.drain, at: drainAt) }
        for (worker, time) in setup.failures.sorted(by: { $0.key < $1.key }) where agents.indices.contains(worker) {
            events.schedule(.workerFails(worker), at: time)
        }
        // Workers connect just before the first request arrives.
        let connect = start - tickInterval
        for index in agents.indices {
            let actions = agents[index].session.start(now: connect)
            perform(actions, of: index, now: connect)
        }
        if !requests.isEmpty { events.schedule(.tick, at: connect + tickInterval / 2) }
    }

    mutating func handle(_ event: Event, now: Seconds) {
        switch event {
        case .arrival(let index):
            arrivalsLeft -= 1
            let submit = Self.submitMessage(for: requests[index])
            deliver(runtime.receiveClient(.submit(submit), envelope: ClusterSimulator.client, now: now), now: now)
        case .batchDone(let index, let report):
            guard agents[index].isAlive else { return }
            let actions = agents[index].session.finished(report, now: now)
            perform(actions, of: index, now: now)
        case .stepDone(let index, let step):
            agents[index].isStepping = false
            guard agents[index].isAlive else { return }
            let actions = agents[index].session.stepped(step, now: now)
            perform(actions, of: index, now: now)
            startStep(of: index, now: now)
        case .tick:
            for index in agents.indices where agents[index].isAlive {
                let actions = agents[index].session.tick(now: now)
                perform(actions, of: index, now: now)
            }
            deliver(runtime.tick(now: now), now: now)
            if !isFinished && !isStalled() { events.schedule(.tick, at: now + tickInterval) }
        case .retrainModels:
            learning?.runDue(at: now, runtime: &runtime)
            if !isFinished, let deadline = learning?.nextDeadline, deadline.isFinite {
                events.schedule(.retrainModels, at: max(deadline, now))
            }
        case .retrainEstimator:
            runtime.replaceEstimator(KNNBatchTimeEstimator(samples: estimatorSamples))
            if !isFinished, let interval = setup.estimatorRetrainInterval {
                events.schedule(.retrainEstimator, at: now + interval)
            }
        case .drain:
            deliver(runtime.beginDrain(now: now), now: now)
        case .workerFails(let index):
            agents[index].isAlive = false
        }
    }

    /// True once nothing can change any more although requests are unanswered: every arrival
    /// is in, no batch runs, and no lost worker is still waiting to be declared lost.
    mutating func isStalled() -> Bool {
        let idle =
            arrivalsLeft == 0 && runtime.scheduler.running.isEmpty
            && runtime.workerCount <= agents.filter(\.isAlive).count
        stalledTicks = idle ? stalledTicks + 1 : 0
        return stalledTicks > 2
    }

    /// Performs a worker session's actions: messages go to the coordinator core, batches to
    /// the engine, whose report comes back after the modelled duration.
    mutating func perform(_ actions: [WorkerSession.Action], of index: Int, now: Seconds) {
        for action in actions {
            guard agents[index].isAlive else { return }
            switch action {
            case .send(let message):
                deliver(runtime.receiveWorker(message, from: agents[index].routingID, now: now), now: now)
            case .run(let batch):
                let (report, duration) = BatchExecution.run(batch, on: agents[index].engine, timeScale: 1)
                recorder.busyTime += duration
                recorder.batches += 1
                recorder.batchedRequests += batch.requests.count
                if case .outOfMemory(let oom) = report {
                    recorder.oomEvents += 1
                    if oom.step == 0 { recorder.prefillOOMEvents += 1 }
                }
                events.schedule(.batchDone(worker: index, report: report), at: now + duration)
            case .admit(let admission):
                do throws(EngineError) {
                    try agents[index].continuousEngine?.admit(admission)
                } catch {
                    let room = agents[index].continuousEngine?.room ?? ContinuousRoom(freeTokens: 0, freeSequences: 0)
                    let actions = agents[index].session.admissionFailed(
                        admission.batchID, message: error.description, room: room, now: now)
                    perform(actions, of: index, now: now)
                }
                startStep(of: index, now: now)
            case .log:
                break
            case .exit:
                agents[index].isAlive = false
            }
        }
    }

    /// Starts a continuous engine's next step unless one is under way or nothing runs; its
    /// reports arrive when the step's modelled duration has passed.
    mutating func startStep(of index: Int, now: Seconds) {
        guard agents[index].isAlive, !agents[index].isStepping, var engine = agents[index].continuousEngine, !engine.isIdle
        else { return }
        let step: ContinuousStep
        do throws(EngineError) {
            step = try engine.step()
        } catch {
            // The simulated engine does not fail a step; a real one would be reported as lost.
            agents[index].isAlive = false
            return
        }
        agents[index].continuousEngine = engine
        agents[index].isStepping = true
        recorder.busyTime += step.duration
        recorder.batches += 1
        recorder.batchedRequests += step.rows
        events.schedule(.stepDone(worker: index, step: step), at: now + step.duration)
    }

    /// Carries the coordinator core's outputs: directives to the worker sessions, replies to
    /// the client, journal records to the metrics and the learning layer.
    mutating func deliver(_ outputs: [CoordinatorOutput], now: Seconds) {
        for output in outputs {
            switch output {
            case .worker(let routingID, let directive):
                guard let index = agentIndex[routingID], agents[index].isAlive else { continue }
                let actions = agents[index].session.received(directive, now: now)
                perform(actions, of: index, now: now)
            case .client(_, let reply):
                receive(reply, now: now)
            case .journal(let record):
                observe(record, now: now)
            case .status, .log:
                break
            }
        }
    }

    /// The client's view: acknowledgements, and final answers (results and errors).
    mutating func receive(_ reply: CoordinatorReply, now: Seconds) {
        switch reply {
        case .accepted(let message):
            accepted.insert(message.id)
        case .result:
            // Measured from the journal's `completed` action, which carries the prediction.
            answered += 1
        case .error(let error):
            answered += 1
            recorder.recordFinalError(error.code, accepted: error.id.map(accepted.contains) ?? false, now: now)
        case .cancelled, .pong, .partial:
            break
        }
    }

    /// What the coordinator journalled: finished batches feed the metrics, the estimator's
    /// samples and the learning layer. Final failures are counted from the client's replies.
    mutating func observe(_ record: JournalRecord, now: Seconds) {
        let actions: [SchedulerAction]
        switch record {
        case .outcome(let outcome, _): actions = outcome
        case .batchFailed(_, _, let outcome, _): actions = outcome
        case .accepted, .dispatched, .cancelled, .failed: return
        }
        recorder.record(actions, now: now)
        learning?.observe(actions, now: now)
        for case .observedBatch(let observation) in actions {
            estimatorSamples.append(
                BatchTimeSample(
                    features: BatchFeatures(
                        batchSize: observation.predicted.batchSize, maxInput: observation.predicted.maxInput,
                        maxGeneration: observation.actualMaxGeneration),
                    seconds: observation.actualTime))
        }
    }

    /// The submit a client would send for `request`: its declared input length, its token
    /// cap, its deadline and the simulated engine's length hint.
    static func submitMessage(for request: Request) -> SubmitMessage {
        SubmitMessage(
            id: request.id, application: request.application, instruction: request.instruction, input: request.input,
            inputTokens: request.inputTokens, maxNewTokens: request.maxNewTokens,
            deadlineMilliseconds: request.deadline.map { max(1, Int((($0 - request.arrival) * 1000).rounded(.up))) },
            simulatedOutputTokens: request.referenceOutputTokens)
    }
}
