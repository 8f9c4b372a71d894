import Coordinator
import Shared

extension CoordinatorConfiguration {
    /// The part of the configuration the coordinator core works with.
    public var runtimeSettings: RuntimeSettings {
        var settings = RuntimeSettings()
        settings.defaultMaxNewTokens = defaultMaxNewTokens
        settings.maxNewTokensLimit = maxNewTokensLimit
        settings.maxQueuedRequests = maxQueuedRequests
        settings.maxPayloadBytes = maxPayloadBytes
        settings.maxInputBytes = maxInputBytes
        settings.maxInputTokens = maxInputTokens
        settings.maxInFlightPerClient = maxInFlightPerClient
        settings.refuseMissedDeadlines = refuseMissedDeadlines
        settings.finishedCapacity = finishedCapacity
        settings.heartbeatInterval = heartbeatInterval
        settings.heartbeatTimeout = heartbeatTimeout
        settings.statusInterval = statusInterval
        settings.statusWindow = statusWindow
        settings.drainTimeout = drainTimeout
        settings.batchTimeoutFactor = batchTimeoutFactor
        settings.batchTimeoutFloor = batchTimeoutFloor
        settings.journaling = storage.logPath != nil
        settings.logLevel = logLevel
        return settings
    }
}

extension CoordinatorRuntime {
    /// The coordinator core for a validated configuration.
    public init(configuration: CoordinatorConfiguration, scheduler: Scheduler) {
        self.init(settings: configuration.runtimeSettings, scheduler: scheduler)
    }
}
