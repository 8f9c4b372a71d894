import ServiceSupport
import Shared

extension WorkerOptions {
    /// The real engine's settings, or nil for the simulated engine.
    /// - Throws: `UsageError` for real-engine options without `--engine real`.
    static func realEngineSettings(_ worker: WorkerSettings) throws(UsageError) -> RealEngineSettings? {
        guard worker.engine == .real else {
            if let given = WorkerSettings.realEngineOnlyOptions.first(where: { !$0.argument(in: worker).isEmpty }) {
                throw UsageError("magnus-worker: --\(given.flag) applies to the real engine only (add --engine real)")
            }
            return nil
        }
        var settings = RealEngineSettings(model: worker.model ?? "smollm2")
        settings.device = worker.device ?? "auto"
        if let budget = worker.kvBudgetBytes, budget != "auto" { settings.kvBudgetBytes = Int(budget) }
        settings.venv = worker.engineVenv
        settings.engineDirectory = worker.engineDir
        settings.threads = worker.engineThreads
        settings.requestTimeout = worker.engineTimeout ?? settings.requestTimeout
        settings.startTimeout = worker.engineStartTimeout ?? settings.startTimeout
        settings.maxRestarts = worker.engineMaxRestarts ?? settings.maxRestarts
        settings.cudaVisibleDevices = worker.gpu.map(String.init)
        settings.continuous = worker.continuous
        return settings
    }
}
