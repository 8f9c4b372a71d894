import Shared
import Testing
import Worker
import WorkerShell

/// `magnus-worker`'s options from their one declaration in `WorkerSettings.schema`.
@Suite("Worker settings")
struct WorkerSettingsTests {
    static let required = ["--coordinator", "tcp://127.0.0.1:5556"]

    @Test func everyFlagSetsItsOption() throws {
        let examples: [String: [String]] = [
            "coordinator": ["tcp://10.0.0.1:5556"], "gpu": ["3"], "id": ["n1-g3"], "profile": ["a100-llama2-7b"],
            "time_scale": ["50"], "jitter": ["0.1"], "seed": ["9"], "heartbeat_interval_s": ["0.5"], "drain_timeout_s": ["5"],
            "log_level": ["debug"], "log_format": ["json"], "exit_with_parent": [], "continuous": [], "engine": ["real"],
            "model": ["tiny-random"], "device": ["cpu"],
            "kv_budget_bytes": ["1000000"], "engine_venv": ["venv"], "engine_dir": ["engine"], "engine_threads": ["2"],
            "engine_timeout_s": ["30"], "engine_start_timeout_s": ["60"], "engine_max_restarts": ["1"],
        ]
        #expect(Set(WorkerSettings.schema.options.map(\.key)) == Set(examples.keys))
        let defaults = WorkerSettings()
        for option in WorkerSettings.schema.options {
            let base = option.key.hasSuffix("_s") ? String(option.key.dropLast(2)) : option.key
            #expect(option.flag == base.replacingOccurrences(of: "_", with: "-"))
            let options = try CommandOptions(
                command: "magnus-worker", summary: "", specs: WorkerOptions.specs,
                arguments: ["--" + option.flag] + (examples[option.key] ?? []))
            var settings = WorkerSettings()
            try WorkerSettings.schema.apply(options, to: &settings)
            #expect(WorkerSettings.schema.options.filter { $0.json(in: settings) != $0.json(in: defaults) }.map(\.key) == [option.key])
        }
    }

    @Test func parsedSettingsReachTheServiceAndTheEngine() throws {
        let parsed = try #require(
            try WorkerOptions.parse(Self.required + ["--gpu", "2", "--jitter", "0.2", "--log-level", "warning", "--drain-timeout", "7"]).parsed)
        #expect(parsed.configuration.id.hasSuffix("-gpu2") && parsed.configuration.drainTimeout == 7)
        #expect(parsed.logLevel == .warning && parsed.realEngine == nil && parsed.continuousEngine == nil)
        let continuous = try #require(try WorkerOptions.parse(Self.required + ["--continuous", "--profile", "a100-llama2-7b"]).parsed)
        #expect(continuous.continuousEngine?.profile == .a100Llama2_7B)
        #expect(continuous.continuousEngine?.capabilities.continuous == EngineProfile.a100Llama2_7B.continuousCapacity)
        let realContinuous = try #require(try WorkerOptions.parse(Self.required + ["--continuous", "--engine", "real"]).parsed)
        #expect(realContinuous.continuousEngine == nil && realContinuous.realEngine?.continuous == true)
        #expect(realContinuous.realEngine?.arguments(endpoint: "ipc://x").contains("--continuous") == true)
        let real = try #require(
            try WorkerOptions.parse(Self.required + ["--engine", "real", "--gpu", "1", "--device", "cpu", "--kv-budget-bytes", "auto", "--engine-timeout", "9"]).parsed?.realEngine)
        #expect(real.device == "cpu" && real.kvBudgetBytes == nil && real.requestTimeout == 9 && real.cudaVisibleDevices == "1")
        #expect(real.model == "smollm2" && real.startTimeout == RealEngineSettings().startTimeout)
        let budget = try #require(try WorkerOptions.parse(Self.required + ["--engine", "real", "--kv-budget-bytes", "0"]).parsed?.realEngine)
        #expect(budget.kvBudgetBytes == 0 && budget.cudaVisibleDevices == nil)
    }

    @Test func badValuesAreRefusedByFlag() {
        func message(_ arguments: [String]) -> String {
            do {
                _ = try WorkerOptions.parse(Self.required + arguments)
                return ""
            } catch {
                return error.description
            }
        }
        #expect(message(["--model", "tiny-random"]).contains("--model applies to the real engine only"))
        #expect(message(["--engine", "gpu"]).contains("--engine must be simulated or real"))
        #expect(message(["--engine", "real", "--device", "tpu"]).contains("--device must be cpu, cuda or auto"))
        #expect(message(["--engine", "real", "--kv-budget-bytes", "-1"]).contains("--kv-budget-bytes must be auto or"))
        #expect(message(["--gpu", "5000"]).contains("--gpu must be in 0...1023, got 5000"))
        #expect(message(["--profile", "tpu"]).contains("--profile must name a built-in profile"))
        #expect(message(["--time-scale", "0"]).contains("--time-scale must be in"))
        #expect(message([]) == "")
    }

    @Test func helpListsEveryOption() throws {
        let help = try WorkerOptions.parse(["--help"]).help
        for option in WorkerSettings.schema.options {
            for flag in option.allFlags { #expect(help.contains("--\(flag)"), "--\(flag)") }
        }
        #expect(help.contains("--curve-secret-key-file") && help.contains("--coordinator-key"))
        #expect(!help.contains("key time_scale"), "the worker has no config file")
    }
}
