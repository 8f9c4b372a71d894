import Shared

extension CoordinatorRuntime {
    /// Takes the shell's counts of client replies it could not send at once; the next
    /// snapshots carry them (`delivery`).
    public mutating func noteDelivery(_ status: DeliveryStatus) {
        delivery = status
    }

    /// A reply as it goes on the wire: stamped with this coordinator's incarnation.
    public func outgoing(_ reply: CoordinatorReply) -> CoordinatorReply {
        reply.stamped(settings.incarnation)
    }

    /// The status snapshot at `now`.
    /// - Complexity: O(workers × log + completions in the window × log).
    public mutating func snapshot(now: Double) -> StatusSnapshot {
        let summary = metrics.summary(at: now)
        // Connected workers, then those that left within a minute (`down`).
        let workerStates = departedWorkers.merge(workers.values.sorted { $0.id < $1.id }.map { record in
            let size = record.batch.flatMap { scheduler.running[$0]?.members.count }
            var status = WorkerStatus(
                worker: record.id, state: record.status, batchID: record.batch, batchSize: size,
                stateSeconds: max(0, now - record.stateSince), completedBatches: record.completedBatches,
                gpu: record.capabilities.gpu, model: record.capabilities.model)
            if let capacity = record.capabilities.continuous {
                status.continuous = ContinuousWorkerStatus(
                    runningSequences: record.admissions.count, reservedTokens: scheduler.reservedTokens[record.id] ?? 0,
                    capacityTokens: capacity.kvTokenSlots, preemptions: record.preemptions)
            }
            return status
        }, now: now)
        var snapshot = StatusSnapshot(
            time: now, queueDepth: scheduler.queuedRequestCount, queuedBatches: scheduler.queue.count,
            runningBatches: scheduler.running.count, workers: workerStates, completed: metrics.completed,
            failed: metrics.failed, throughput: summary.throughput, tokenThroughput: summary.tokenThroughput,
            window: metrics.window, latency: summary.latency, predictorMAE: summary.predictorMAE,
            predictorSamples: summary.predictorSamples, oomCount: metrics.oomCount, splitCount: metrics.splitCount,
            requeueCount: metrics.requeueCount, workersLost: metrics.workersLost, errors: metrics.errorCounts,
            draining: isDraining, continuationCount: metrics.continuationCount,
            preemptionCount: metrics.preemptionCount > 0 ? metrics.preemptionCount : nil,
            firstTokenLatency: summary.firstTokenLatency.samples > 0 ? summary.firstTokenLatency : nil)
        snapshot.delivery = delivery.isEmpty ? nil : delivery
        return snapshot
    }
}
