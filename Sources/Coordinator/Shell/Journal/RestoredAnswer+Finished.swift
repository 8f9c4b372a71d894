import Coordinator
import ServiceSupport
import Shared
import Storage

extension RestoredAnswer {
    /// The answer a finished request gave, or nil for one whose id is forgotten rather than
    /// answered again: cancelled requests, and requests refused `shutting_down` (their
    /// clients were told to resubmit, which then runs them anew).
    init?(_ finished: FinishedRequest) {
        let id = finished.request.id
        let reply: CoordinatorReply
        switch finished.status {
        case .done:
            guard let output = finished.output else { return nil }
            let arrival = finished.request.arrival
            reply = .result(
                ResultMessage(
                    id: id, text: output.text, generatedTokens: output.generatedTokens,
                    inputTokens: finished.request.inputTokens, predictedTokens: finished.prediction.expected,
                    worker: finished.worker ?? WorkerID("unknown"), batchID: finished.batchID ?? BatchID(0),
                    queueMilliseconds: max(0, (finished.dispatchedAt ?? arrival) - arrival) * 1000,
                    responseMilliseconds: max(0, finished.finishedAt - arrival) * 1000))
        case .failed:
            guard let error = finished.error, error.code != .shuttingDown else { return nil }
            reply = .error(ErrorMessage(id: id, error))
        case .cancelled, .queued, .running:
            return nil
        }
        self.init(id: id, fingerprint: ContentFingerprint(of: finished.request), reply: reply)
    }
}
