import Coordinator
import ServiceSupport
import Shared

/// The `magnus-coordinator` command line: flags over an optional JSON config file over the
/// defaults.
public enum CoordinatorOptions {
    /// Every option, with its help text: `--config`, then one per configuration option
    /// (`CoordinatorConfiguration.schema`).
    public static let specs: [OptionSpec] = [
        .value("config", "FILE", "JSON config file: an object whose keys are the options' keys below (docs/operations.md); unknown keys are refused; flags override it.")
    ] + CoordinatorConfiguration.schema.specs(defaults: CoordinatorConfiguration())

    /// Parses `arguments` (without the program name): the defaults, then the config file,
    /// then the flags.
    /// - Returns: the validated configuration, or nil when `--help` or `--version` was asked
    ///   for (the text to print is then in `help`).
    public static func parse(_ arguments: [String]) throws(UsageError) -> (configuration: CoordinatorConfiguration?, help: String) {
        let options = try CommandOptions.flagsOnly(
            command: "magnus-coordinator",
            summary: "the Magnus scheduler: takes requests from clients, batches them by predicted length and serves them on workers",
            specs: specs, arguments: arguments)
        if let text = options.requestedText { return (nil, text) }
        var configuration = try options.string("config").map { path throws(UsageError) in try CoordinatorConfiguration.load(path: path) }
            ?? CoordinatorConfiguration()
        try CoordinatorConfiguration.schema.apply(options, to: &configuration)
        try configuration.validate()
        _ = try PredictorBootstrap.kvTokenCapacity(configuration)
        do {
            _ = try CoordinatorSecurity.load(configuration)
        } catch {
            throw UsageError("magnus-coordinator: \(error)")
        }
        return (configuration, options.help)
    }
}
