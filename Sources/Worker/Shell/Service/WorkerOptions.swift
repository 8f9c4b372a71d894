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
    /// Every option, with its help text.
    public static let specs: [OptionSpec] = [
        .value("coordinator", "ENDPOINT", "The coordinator's worker endpoint, e.g. tcp://10.0.0.1:5556 (required)."),
        .value("gpu", "N", "GPU index on this host; names the worker when --id is not given (default: 0)."),
        .value("id", "NAME", "Worker name, unique in the cluster (default: HOST-gpuN)."),
        .value("profile", "NAME", "Simulated engine profile: \(EngineProfile.builtinNames.joined(separator: ", ")) (default: v100-chatglm6b)."),
        .value("time-scale", "X", "Run simulated time X times faster than real time, e.g. 50 for demos (default: 1)."),
        .value("jitter", "SIGMA", "Lognormal σ of the simulated duration noise (default: 0)."),
        .value("seed", "N", "Seed of the duration noise (default: the GPU index)."),
        .value("heartbeat-interval", "SECONDS", "Heartbeat interval until the coordinator sets one (default: 1)."),
        .value("drain-timeout", "SECONDS", "On SIGINT/SIGTERM, how long to finish the running batch (default: 60)."),
        .value("log-level", "LEVEL", "debug, info, warning or error (default: info)."),
        .flag("exit-with-parent", "Drain and exit when the parent process exits (for test harnesses and supervisors)."),
    ] + CurveOptions.specs + engineSpecs

    /// A parsed command line: the service settings and the engine to run.
    public struct Parsed: Sendable {
        public var configuration: WorkerConfiguration
        public var engine: SimulatedGPUEngine
        public var logLevel: LogLevel
        /// Set for `--engine real`: the worker then starts a `TransformersEngine` instead.
        public var realEngine: RealEngineSettings?
    }

    /// Parses `arguments` (without the program name); nil with the help text for `--help`.
    public static func parse(_ arguments: [String]) throws(UsageError) -> (parsed: Parsed?, help: String) {
        let options = try CommandOptions(
            command: "magnus-worker",
            summary: "one GPU of a Magnus cluster: pulls batches from the coordinator and runs them on its engine",
            specs: specs, arguments: arguments)
        guard !options.wantsHelp else { return (nil, options.help) }
        guard options.positional.isEmpty else {
            throw UsageError("magnus-worker: unexpected argument '\(options.positional[0])' (see --help)")
        }
        guard let endpoint = options.string("coordinator") else {
            throw UsageError("magnus-worker: --coordinator ENDPOINT is required (see --help)")
        }
        let gpu = try options.int("gpu", in: 0...1023) ?? 0
        let id = options.string("id") ?? "\(hostName())-gpu\(gpu)"
        guard !id.isEmpty, id.utf8.count <= 255 else { throw UsageError("magnus-worker: --id must be 1...255 bytes") }
        let profileName = options.string("profile") ?? "v100-chatglm6b"
        guard let profile = EngineProfile.named(profileName) else {
            throw UsageError("magnus-worker: unknown profile '\(profileName)'; built in: \(EngineProfile.builtinNames.joined(separator: ", "))")
        }
        var configuration = WorkerConfiguration(id: id, coordinatorEndpoint: endpoint)
        configuration.timeScale = try options.double("time-scale", in: 1e-3...1e9) ?? 1
        configuration.heartbeatInterval = try options.double("heartbeat-interval", in: 0.01...3600) ?? 1
        configuration.drainTimeout = try options.double("drain-timeout", in: 0...86_400) ?? 60
        configuration.exitWithParent = options.flag("exit-with-parent")
        configuration.curve = try CurveOptions.parse(options)
        let jitter = try options.double("jitter", in: 0...2) ?? 0
        let seed = try options.int("seed", in: 0...Int.max) ?? gpu
        let levelName = options.string("log-level") ?? "info"
        guard let level = LogLevel(name: levelName) else {
            throw UsageError("magnus-worker: --log-level must be debug, info, warning or error")
        }
        return (
            Parsed(
                configuration: configuration, engine: SimulatedGPUEngine(profile: profile, seed: UInt64(seed), jitterSigma: jitter),
                logLevel: level, realEngine: try realEngineSettings(options, gpu: options.string("gpu") == nil ? nil : gpu)),
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
