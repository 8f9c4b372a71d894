import Shared

/// The scheduling core: a pure state machine that the real-time coordinator and the
/// discrete-event simulator both drive. Events come in with the time passed in; actions come
/// out. It never reads a clock, touches a socket or starts a thread.
///
/// Requests are predicted on submission and assembled into queued batches by the policy
/// (min-WMA insertion under the memory check and Φ, or FCFS at a fixed size). An idle worker
/// gets the best queued batch that fits its memory (highest response ratio or FCFS). A batch
/// that runs out of memory is split in two; a single request that still does not fit fails.
public struct Scheduler: Sendable {
    public private(set) var configuration: SchedulerConfiguration
    public private(set) var predictor: any LengthPredicting
    public private(set) var estimator: any BatchTimeEstimating
    /// When set, predictions are calibrated and the memory check bounds the probability of
    /// running out of memory instead of trusting point predictions (beyond the paper).
    public private(set) var uncertainty: UncertaintyModel?

    /// Queued batches in creation order.
    public internal(set) var queue: [QueuedBatch] = []
    /// Batches on workers (for continuous workers: admissions, one request each).
    public internal(set) var running: [BatchID: DispatchedBatch] = [:]
    /// Where every unfinished request is: its batch, queued or running.
    var location: [RequestID: BatchID] = [:]
    private var nextBatchNumber: UInt64 = 1
    /// Continuous workers: KV token slots reserved by each worker's admissions.
    public internal(set) var reservedTokens: [WorkerID: Int] = [:]
    /// Continuous workers: each worker's decoding speed per row, tokens per second, from its
    /// progress reports (a moving average).
    public internal(set) var tokensPerSecond: [WorkerID: Double] = [:]

    public init(
        configuration: SchedulerConfiguration, predictor: any LengthPredicting, estimator: any BatchTimeEstimating,
        uncertainty: UncertaintyModel? = nil
    ) {
        self.configuration = configuration
        self.predictor = predictor
        self.estimator = estimator
        self.uncertainty = uncertainty
    }

    // MARK: - Inspection

    /// Requests waiting in the queue.
    public var queuedRequestCount: Int { location.count - running.values.reduce(0) { $0 + $1.members.count } }
    /// Requests queued or running.
    public var unfinishedRequestCount: Int { location.count }
    /// Whether a request is queued or running.
    public func contains(_ id: RequestID) -> Bool { location[id] != nil }

    // MARK: - Events

    /// A client submitted a request: it is predicted and inserted into its batch, then
    /// `admit` sees the queue with it in place (for example to forecast whether that batch
    /// can finish before the request's deadline); an error from `admit` refuses the request,
    /// which then leaves the queue as it was. The request's `arrival` is the time it counts
    /// from (the caller stamps it; a recovered request keeps its own).
    /// - Returns: `accepted` with the prediction, or `rejected`.
    /// - Complexity: O(queued batches) for WMA insertion, plus one prediction and estimate,
    ///   plus `admit`.
    public mutating func submit(
        _ request: Request, admit: (_ scheduler: Scheduler, _ batch: BatchID) -> MagnusError? = { _, _ in nil }
    ) -> [SchedulerAction] {
        if location[request.id] != nil {
            return [.rejected(request.id, MagnusError(.duplicateID, "request \(request.id) is already queued or running"))]
        }
        guard request.inputTokens >= 0, request.maxNewTokens >= 1 else {
            return [.rejected(request.id, MagnusError(.invalidRequest, "input_tokens must be >= 0 and max_new_tokens >= 1"))]
        }
        guard request.inputTokens + 1 <= configuration.kvTokenCapacity else {
            return [
                .rejected(
                    request.id,
                    MagnusError(
                        .inputTooLong,
                        "\(request.inputTokens) input tokens do not fit the KV cache (\(configuration.kvTokenCapacity) token slots)"
                    ))
            ]
        }
        var prediction = configuration.usesPredictions
            ? predictor.predict(request) : LengthPrediction(expected: request.maxNewTokens, upper: request.maxNewTokens)
        if let uncertainty, configuration.usesPredictions {
            prediction = uncertainty.calibrate(prediction, for: request)
        }
        prediction = prediction.clamped(to: configuration.kvTokenCapacity)
        insert(QueuedRequest(request: request, prediction: prediction))
        if let batch = location[request.id], let error = admit(self, batch) {
            _ = cancel(request.id)
            return [.rejected(request.id, error)]
        }
        return [.accepted(request.id, prediction)]
    }

    /// An idle worker asks for work: the best queued batch that fits its memory, as a
    /// `dispatched` action (the last one), or no dispatch when nothing fits. Batches halved on
    /// the way (below) come first as `split` actions.
    /// - Complexity: O(queued batches) per halving, usually none.
    public mutating func dispatch(to worker: WorkerID, capabilities: WorkerCapabilities, now: Seconds) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        var bestIndex = bestFittingBatch(for: capabilities, now: now)
        // Under an uncertainty model, batches assembled while an application was trusted can
        // exceed the risk target once the guard distrusts it, and a batch split after an OOM
        // may still not fit a prefill check; halve the most urgent such batch rather than let
        // it starve, until something fits (single requests always do).
        while bestIndex == nil, uncertainty != nil || configuration.prefillMemory != nil,
            let index = mostUrgentSplittableBatch(now: now)
        {
            let batch = queue.remove(at: index)
            actions += split(batch.members, parent: batch.id) {
                MagnusError(.outOfMemory, "unreachable: a single request is never split")
            }
            bestIndex = bestFittingBatch(for: capabilities, now: now)
        }
        guard let bestIndex else { return actions }
        var batch = queue.remove(at: bestIndex)
        batch.attempts += 1
        let dispatched = DispatchedBatch(
            id: batch.id, worker: worker, members: batch.members,
            features: BatchFeatures(
                batchSize: batch.shape.count, maxInput: batch.shape.maxInput, maxGeneration: batch.shape.maxGeneration),
            estimatedTime: batch.estimatedTime, dispatchedAt: now, attempts: batch.attempts,
            generationCap: boundsGeneration && capabilities.continuation ? batch.shape.maxUpperGeneration : nil)
        running[batch.id] = dispatched
        actions.append(.dispatched(dispatched))
        return actions
    }

    /// A worker finished a batch.
    /// - Complexity: O(β).
    public mutating func complete(_ report: BatchReport, now: Seconds) -> [SchedulerAction] {
        guard let batch = takeRunning(report.batchID) else { return [] }
        var outputs: [RequestID: RequestOutput] = [:]
        for output in report.outputs { outputs[output.id] = output }
        var actions: [SchedulerAction] = []
        var missing: [QueuedRequest] = []
        var lengths: [(input: Int, generation: Int)] = []
        var continuing: [QueuedRequest] = []
        for member in batch.members {
            guard let output = outputs[member.request.id] else {
                missing.append(member)
                continue
            }
            lengths.append((member.inputTokens, output.generatedTokens))
            // Under a cap, a row continues when it has budget left and did not end by itself:
            // the engine says so (it may also have stopped below the cap, at its own limit or
            // before a split character), or, from a worker that does not say, it reached the cap.
            let limit = batch.maxNewTokens(for: member)
            let unfinished = output.finished.map { !$0 } ?? (output.generatedTokens >= limit)
            if batch.generationCap != nil, output.generatedTokens >= 1, output.generatedTokens < member.remainingTokens,
                unfinished
            {
                continuing.append(continuation(of: member, after: output, dispatchedAt: batch.dispatchedAt))
                actions.append(.continued(member.request.id, tokens: continuing[continuing.count - 1].progress!.tokens))
                continue
            }
            location[member.request.id] = nil
            let whole = member.progress.map { progress in
                RequestOutput(
                    id: output.id, text: progress.text + output.text, generatedTokens: progress.tokens + output.generatedTokens,
                    inputTokensSeen: output.inputTokensSeen.map { max(0, $0 - progress.tokens) }, finished: output.finished)
            } ?? output
            uncertainty?.observe(
                application: member.request.application, prediction: member.originalPrediction,
                generated: whole.generatedTokens)
            actions.append(
                .completed(
                    CompletedRequest(
                        request: member.request, output: whole, prediction: member.originalPrediction, batchID: batch.id,
                        worker: report.worker, dispatchedAt: member.progress?.firstDispatchedAt ?? batch.dispatchedAt,
                        finishedAt: now,
                        firstTokenAt: member.progress?.firstTokenAt
                            ?? report.firstTokenSeconds.map { batch.dispatchedAt + max(0, $0) })))
        }
        for member in continuing { insert(member) }
        actions.append(
            .observedBatch(
                BatchObservation(
                    batchID: batch.id, worker: report.worker, predicted: batch.features,
                    actualMaxGeneration: lengths.map(\.generation).max() ?? 0, estimatedTime: batch.estimatedTime,
                    actualTime: report.duration, wastedMemoryAccess: WastedMemoryAccess.of(lengths))))
        if !missing.isEmpty {
            // A report without some outputs: those requests run again rather than vanish.
            actions += requeue(missing, parent: batch.id, attempts: batch.attempts)
        }
        return actions
    }

    /// A dispatched batch came back without results.
    /// - Complexity: O(β + queued batches).
    public mutating func failed(_ batchID: BatchID, reason: BatchFailure) -> [SchedulerAction] {
        guard let batch = takeRunning(batchID) else { return [] }
        switch reason {
        case .preempted(let text, let tokens, let firstToken):
            return preempted(batch, text: text, generatedTokens: tokens, firstTokenSeconds: firstToken)
        case .outOfMemory:
            return split(batch.members, parent: batch.id) {
                MagnusError(.outOfMemory, "the request ran out of GPU memory alone in its batch")
            }
        case .workerLost, .engineFault:
            return requeue(batch.members, parent: batch.id, attempts: batch.attempts)
        }
    }

    /// Removes a queued request (client cancellation). Running requests cannot be cancelled.
    /// - Returns: whether the request was queued and is now gone.
    public mutating func cancel(_ id: RequestID) -> Bool {
        guard let batchID = location[id], running[batchID] == nil,
            let index = queue.firstIndex(where: { $0.id == batchID })
        else { return false }
        queue[index].remove(id)
        location[id] = nil
        if queue[index].members.isEmpty {
            queue.remove(at: index)
        } else {
            queue[index].estimatedTime = estimate(queue[index])
        }
        return true
    }

    /// Swaps in a retrained predictor; requests already queued keep their predictions. With
    /// an uncertainty model, `calibration` (the predictor's held-out distributions) is adopted.
    public mutating func replacePredictor(_ predictor: any LengthPredicting, calibration: LengthCalibration? = nil) {
        self.predictor = predictor
        if let calibration { uncertainty?.adopt(calibration) }
    }

    /// Swaps in new calibrated distributions (after retraining), keeping the guard's state.
    public mutating func replaceUncertainty(_ uncertainty: UncertaintyModel?) {
        self.uncertainty = uncertainty
    }

    /// Swaps in a retrained estimator and refreshes every queued batch's T_p.
    /// - Complexity: O(queued batches × estimate).
    public mutating func replaceEstimator(_ estimator: any BatchTimeEstimating) {
        self.estimator = estimator
        for index in queue.indices { queue[index].estimatedTime = estimate(queue[index]) }
    }

    // MARK: - Assembly

    mutating func insert(_ member: QueuedRequest) {
        let target: Int?
        switch configuration.continuous == nil ? configuration.policy.assembly : .fixedSize(0) {
        case .fixedSize(let size):
            if let last = queue.indices.last, !queue[last].isSealed, queue[last].members.count < size {
                target = last
            } else {
                target = nil
            }
        case .wastedMemoryAccess(let maxSize):
            target = minimumWMABatch(for: member, maxSize: maxSize)
        }
        let index: Int
        if let target {
            index = target
        } else {
            queue.append(QueuedBatch(id: makeBatchID()))
            index = queue.count - 1
        }
        queue[index].append(member)
        queue[index].estimatedTime = estimate(queue[index])
        location[member.request.id] = queue[index].id
    }

    /// The queued batch where `member` adds the least WMA without exceeding memory, if that
    /// WMA is below Φ. With an uncertainty model, "without exceeding memory" means the
    /// probability of exceeding stays within the risk target; candidates are then tried in
    /// WMA order.
    /// - Complexity: O(queued batches) (each candidate costs O(1) thanks to `BatchShape`),
    ///   plus O(β log n) per candidate whose risk is evaluated.
    private func minimumWMABatch(for member: QueuedRequest, maxSize: Int?) -> Int? {
        let input = member.inputTokens
        let generation = member.prediction.expected
        let upper = member.prediction.upper
        let capacity = configuration.kvTokenCapacity
        let useUpper = configuration.memoryCheckUsesUpperBound || boundsGeneration
        var candidates: [(wma: Double, index: Int)] = []
        for (index, batch) in queue.enumerated() where !batch.isSealed {
            if let maxSize, batch.shape.count >= maxSize { continue }
            let tokens = batch.shape.kvTokens(adding: input, generation: generation, upperGeneration: upper, upper: useUpper)
            if tokens > capacity { continue }
            if let prefill = configuration.prefillMemory,
                !prefill.fits(batchSize: batch.shape.count + 1, paddedInput: max(batch.shape.maxInput, input))
            {
                continue
            }
            let wma = batch.shape.wastedMemoryAccess(adding: input, generation: generation)
            if wma < configuration.wmaThreshold { candidates.append((wma, index)) }
        }
        guard let uncertainty, !boundsGeneration else { return candidates.min { $0.wma < $1.wma }?.index }
        candidates.sort { ($0.wma, $0.index) < ($1.wma, $1.index) }
        for candidate in candidates {
            let batch = queue[candidate.index]
            let count = batch.shape.count + 1
            let cap = capacity / count - max(batch.shape.maxInput, input)
            let risk = uncertainty.exceedanceProbability(batch.members + [member], generationCap: cap)
            if risk <= uncertainty.configuration.riskTarget { return candidate.index }
        }
        return nil
    }

    /// The queued batch the policy's order puts first among those that fit the worker.
    private func bestFittingBatch(for capabilities: WorkerCapabilities, now: Seconds) -> Int? {
        var bestIndex: Int?
        var bestKey = -Double.infinity
        for (index, batch) in queue.enumerated() where fits(batch, on: capabilities) {
            let key: Double
            switch configuration.policy.order {
            case .highestResponseRatio: key = batch.responseRatio(at: now)
            case .firstComeFirstServed: key = -batch.oldestArrival
            }
            if key > bestKey {
                bestKey = key
                bestIndex = index
            }
        }
        return bestIndex
    }

    private func mostUrgentSplittableBatch(now: Seconds) -> Int? {
        var best: Int?
        for (index, batch) in queue.enumerated() where batch.members.count > 1 {
            if let current = best, queue[current].responseRatio(at: now) >= batch.responseRatio(at: now) { continue }
            best = index
        }
        return best
    }

    private func fits(_ batch: QueuedBatch, on worker: WorkerCapabilities) -> Bool {
        if worker.maxBatchSize > 0 && batch.shape.count > worker.maxBatchSize { return false }
        guard configuration.policy.usesPredictions else { return true }
        // A batch that fits no worker would starve: a single request always goes out.
        if batch.shape.count == 1 { return true }
        if configuration.prefillMemory != nil, let prefill = worker.prefill,
            !prefill.fits(batchSize: batch.shape.count, paddedInput: batch.shape.maxInput)
        {
            return false
        }
        if let uncertainty, !boundsGeneration {
            let cap = worker.kvTokenCapacity / batch.shape.count - batch.shape.maxInput
            return uncertainty.exceedanceProbability(batch.members, generationCap: cap) <= uncertainty.configuration.riskTarget
        }
        return batch.shape.kvTokens(upper: configuration.memoryCheckUsesUpperBound || boundsGeneration)
            <= worker.kvTokenCapacity
    }

    /// Whether batches run with a generation cap (bounded decoding under an uncertainty model).
    private var boundsGeneration: Bool {
        configuration.continuous == nil && configuration.policy.usesPredictions && uncertainty?.configuration.boundedGeneration == true
    }

    /// The queue entry for a request stopped at its batch's cap: its output so far, and a
    /// prediction of what remains conditioned on having reached the cap.
    func continuation(
        of member: QueuedRequest, after output: RequestOutput, dispatchedAt: Seconds, firstTokenAt: Seconds? = nil
    ) -> QueuedRequest {
        let original = member.originalPrediction
        let progress = GenerationProgress(
            text: (member.progress?.text ?? "") + output.text, tokens: (member.progress?.tokens ?? 0) + output.generatedTokens,
            runs: (member.progress?.runs ?? 0) + 1, originalPrediction: original,
            firstDispatchedAt: member.progress?.firstDispatchedAt ?? dispatchedAt,
            firstTokenAt: member.progress?.firstTokenAt ?? firstTokenAt)
        let remaining = max(1, member.request.maxNewTokens - progress.tokens)
        let prediction = uncertainty?.continuation(
            of: original, application: member.request.application, generated: progress.tokens, remaining: remaining)
            ?? LengthPrediction(expected: min(remaining, progress.tokens), upper: remaining)
        return QueuedRequest(
            request: member.request, prediction: prediction.clamped(to: configuration.kvTokenCapacity), progress: progress)
    }

    func estimate(_ batch: QueuedBatch) -> Seconds {
        estimator.estimate(
            BatchFeatures(batchSize: batch.shape.count, maxInput: batch.shape.maxInput, maxGeneration: batch.shape.maxGeneration))
    }

    private mutating func makeBatchID() -> BatchID {
        defer { nextBatchNumber += 1 }
        return BatchID(nextBatchNumber)
    }

    // MARK: - Recovery

    /// Splits members into two sealed halves (by predicted length, so each half is
    /// homogeneous); a single member fails with `error()`.
    private mutating func split(
        _ members: [QueuedRequest], parent: BatchID, error: () -> MagnusError
    ) -> [SchedulerAction] {
        if members.count == 1 {
            let member = members[0]
            location[member.request.id] = nil
            return [.failed(member.request, error())]
        }
        let ordered = members.sorted {
            ($0.prediction.expected, $0.inputTokens, $0.request.id) < ($1.prediction.expected, $1.inputTokens, $1.request.id)
        }
        let half = ordered.count / 2
        let first = enqueueSealed(Array(ordered[..<half]), parent: parent, attempts: 0)
        let second = enqueueSealed(Array(ordered[half...]), parent: parent, attempts: 0)
        return [.split(parent, into: [first, second])]
    }

    /// Puts members back as one sealed batch; past `maxAttempts` it splits instead, and a
    /// single request fails, so a poisonous request cannot loop forever.
    private mutating func requeue(_ members: [QueuedRequest], parent: BatchID, attempts: Int) -> [SchedulerAction] {
        if attempts >= configuration.maxAttempts {
            return split(members, parent: parent) {
                MagnusError(.engineFault, "the request's batch failed \(attempts) times")
            }
        }
        let id = enqueueSealed(members, parent: parent, attempts: attempts)
        return [.requeued(id, attempts: attempts)]
    }

    private mutating func enqueueSealed(_ members: [QueuedRequest], parent: BatchID, attempts: Int) -> BatchID {
        var batch = QueuedBatch(id: makeBatchID())
        for member in members {
            batch.append(member)
            location[member.request.id] = batch.id
        }
        batch.isSealed = true
        batch.parent = parent
        batch.attempts = attempts
        batch.estimatedTime = estimate(batch)
        queue.append(batch)
        return batch.id
    }
}
