import Coordinator
import MagnusTestSupport
import Shared

func drain(_ scheduler: inout Scheduler, now: Seconds = 0) -> [[String]] {
    var batches: [[String]] = []
    while let batch = scheduler.nextBatch(for: WorkerID("w"), capabilities: bigWorker, now: now) {
        batches.append(batch.requests.map(\.id.rawValue).sorted())
    }
    return batches
}
