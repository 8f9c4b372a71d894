import Shared

extension CoordinatorRuntime {
    /// Why a valid, new submit is refused at once, or nil to accept it: the configured input
    /// limits (`input_too_long`), the application name (`invalid_request`), the queue length
    /// and the client's in-flight requests (`overloaded`, backpressure: retry later).
    /// - Complexity: O(1) plus the input's length.
    func admissionRefusal(_ request: Request, client: RoutingID) -> MagnusError? {
        let applicationBytes = request.application.utf8.count
        guard (1...WireProtocol.maxApplicationBytes).contains(applicationBytes) else {
            return MagnusError(.invalidRequest, "application must be 1...\(WireProtocol.maxApplicationBytes) bytes, got \(applicationBytes)")
        }
        if let limit = settings.maxInputBytes {
            let bytes = request.instruction.utf8.count + request.input.utf8.count
            if bytes > limit {
                return MagnusError(.inputTooLong, "instruction and input are \(bytes) bytes (limit \(limit))")
            }
        }
        if let limit = settings.maxInputTokens, request.inputTokens > limit {
            return MagnusError(.inputTooLong, "the input is \(request.inputTokens) tokens (limit \(limit))")
        }
        if scheduler.queuedRequestCount >= settings.maxQueuedRequests {
            return MagnusError(
                .overloaded, "\(scheduler.queuedRequestCount) requests are queued (limit \(settings.maxQueuedRequests)); retry later")
        }
        if let limit = settings.maxInFlightPerClient, pending.inFlight(of: client) >= limit {
            return MagnusError(.overloaded, "this connection has \(limit) requests pending (the limit); retry when some are answered")
        }
        return nil
    }

    /// The scheduler's admission check for a submit with a deadline: with the request in
    /// its batch, the refusal when that batch's forecast completion is past the deadline, or
    /// nil when it may make it (or no forecast can be made yet). A refused request never
    /// enters the queue.
    /// - Complexity: the check costs O(queued batches + running batches).
    func deadlineAdmission(for request: Request, now: Double) -> (Scheduler, BatchID) -> MagnusError? {
        guard settings.refuseMissedDeadlines, let deadline = request.deadline else { return { _, _ in nil } }
        let forecast = self.forecast
        let workerCount = workers.count
        return { scheduler, batch in
            guard let completion = forecast.completion(ofBatch: batch, in: scheduler, workers: workerCount, now: now),
                completion > deadline
            else { return nil }
            return MagnusError(
                .deadlineExceeded,
                "predicted to finish in \(Self.format(completion - now)) s, after its deadline of \(Self.format(deadline - now)) s; refused at once")
        }
    }

    /// Feeds the forecast with a finished batch's estimate and dispatch-to-result time.
    mutating func observeCompletion(of batch: BatchID, now: Double) {
        guard let running = scheduler.running[batch] else { return }
        forecast.observe(estimated: running.estimatedTime, elapsed: now - running.dispatchedAt)
    }
}
