import Shared

/// Runs one `batch` on an engine and turns the outcome into the worker's report (`result`,
/// `oom` or `fault`), with the real seconds to wait before sending it: a simulated engine's
/// modelled duration divided by the time scale, zero for a real engine (its time has passed).
public enum BatchExecution {
    /// - Complexity: the engine's run.
    public static func run(
        _ batch: BatchMessage, on engine: any InferenceEngine, timeScale: Double
    ) -> (report: WorkerMessage, wait: Double) {
        let run: EngineRun
        do {
            run = try engine.run(batch.requests)
        } catch {
            return (.fault(FaultMessage(batchID: batch.batchID, message: error.description)), 0)
        }
        let wait = engine.isSimulated ? max(0, run.duration) / timeScale : 0
        switch run.outcome {
        case .completed(let outputs):
            return (
                .result(
                    BatchResultMessage(
                        batchID: batch.batchID, duration: run.duration, outputs: outputs, firstTokenSeconds: run.firstTokenSeconds)),
                wait
            )
        case .outOfMemory(let step, let required, let available):
            return (
                .outOfMemory(
                    OutOfMemoryMessage(
                        batchID: batch.batchID, step: step, requiredBytes: required, availableBytes: available,
                        duration: run.duration)), wait
            )
        }
    }
}
