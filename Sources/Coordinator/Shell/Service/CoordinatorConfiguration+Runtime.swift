import Coordinator
import Shared

extension CoordinatorConfiguration {
    /// The part of the configuration the coordinator core works with.
    public var runtimeSettings: RuntimeSettings {
        var settings = runtime
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
