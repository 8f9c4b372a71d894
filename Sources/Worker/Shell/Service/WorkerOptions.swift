#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ServiceSupport
import Shared
import Worker

/// The `magnus-worker` command line.
public enum WorkerOptions {
    /// Every option, with its help text: the service's, CURVE's, the engine's.
    public static let specs: [OptionSpec] =
        WorkerSettings.serviceSchema.specs(defaults: WorkerSettings(), showingKeys: false) + CurveOptions.specs
        + WorkerSettings.engineSchema.specs(defaults: WorkerSettings(), showingKeys: false)

    /// A parsed command line: the service settings and the engine to run.
    public struct Parsed: Sendable {
        public var configuration: WorkerConfiguration
        public var engine: SimulatedGPUEngine
        /// Set for `--continuous` on the simulated engine: the iteration-level simulated engine
        /// runs instead (with `--engine real`, `realEngine.continuous` is set instead).
        public var continuousEngine: SimulatedContinuousEngine?
        public var logLevel: LogLevel
        public var logFormat: LogFormat
        /// Set for `--engine real`: the worker then starts a `TransformersEngine` instead.
        public var realEngine: RealEngineSettings?
    }

    /// Parses `arguments` (without the program name); nil with the text to print for `--help`
    /// or `--version`.
    public static func parse(_ arguments: [String]) throws(UsageError) -> (parsed: Parsed?, help: String) {
        let options = try CommandOptions.flagsOnly(
            command: "magnus-worker",
            summary: "one GPU of a Magnus cluster: pulls batches from the coordinator and runs them on its engine",
            specs: specs, arguments: arguments)
        if let text = options.requestedText { return (nil, text) }
        var settings = WorkerSettings()
        try WorkerSettings.schema.apply(options, to: &settings)
        try WorkerSettings.schema.validate(settings, context: "magnus-worker", namingKeys: false)
        guard let endpoint = settings.coordinator else {
            throw UsageError("magnus-worker: --coordinator ENDPOINT is required (see --help)")
        }
        let gpu = settings.gpu ?? 0
        let id = settings.id ?? "\(hostName())-gpu\(gpu)"
        guard !id.isEmpty, id.utf8.count <= 255 else { throw UsageError("magnus-worker: --id must be 1...255 bytes") }
        guard let profile = EngineProfile.named(settings.profile) else {
            throw UsageError("magnus-worker: unknown profile '\(settings.profile)'")
        }
        var configuration = WorkerConfiguration(id: id, coordinatorEndpoint: endpoint)
        configuration.timeScale = settings.timeScale
        configuration.heartbeatInterval = settings.heartbeatInterval
        configuration.drainTimeout = settings.drainTimeout
        configuration.exitWithParent = settings.exitWithParent
        configuration.curve = try CurveOptions.parse(options)
        let engine = SimulatedGPUEngine(profile: profile, seed: settings.seed ?? UInt64(gpu), jitterSigma: settings.jitter)
        return (
            Parsed(
                configuration: configuration, engine: engine,
                continuousEngine: settings.continuous && settings.engine == .simulated ? SimulatedContinuousEngine(profile: profile) : nil,
                logLevel: settings.logLevel,
                logFormat: settings.logFormat,
                realEngine: try realEngineSettings(settings)),
            options.help
        )
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "worker" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "worker" : name
    }
}
