import Coordinator
import CoordinatorShell
import Foundation
import ServiceSupport
import Shared
import Storage
import Testing

/// The coordinator's options from their one declaration: flags and keys that correspond,
/// typed values, config-file errors that say where and why, help that lists every option.
@Suite("Configuration")
struct ConfigurationTests {
    typealias Configuration = CoordinatorConfiguration

    /// One non-default value per option: the command line that sets it and the JSON value
    /// of its key. Every declared option must appear here (a new option needs its example).
    static let examples: [String: (arguments: [String], json: String)] = [
        "client_endpoint": (["tcp://*:6555"], #""tcp://*:6555""#),
        "worker_endpoint": (["tcp://*:6556"], #""tcp://*:6556""#),
        "status_endpoint": (["ipc://status"], #""ipc://status""#),
        "curve_secret_key_file": (["keys/c.key"], #""keys/c.key""#),
        "worker_keys": (["keys/workers"], #""keys/workers""#),
        "client_keys": (["keys/clients"], #""keys/clients""#),
        "status_auth": (["curve"], #""curve""#),
        "status_keys": (["keys/status.pub"], #""keys/status.pub""#),
        "policy": (["glp:8"], #""glp:8""#),
        "wma_threshold": (["12000.5"], "12000.5"),
        "profile": (["a100-llama2-7b"], #""a100-llama2-7b""#),
        "kv_token_capacity": (["5000"], "5000"),
        "memory_check_upper_bound": ([], "true"),
        "max_attempts": (["5"], "5"),
        "default_max_new_tokens": (["256"], "256"),
        "max_new_tokens_limit": (["2048"], "2048"),
        "max_queued_requests": (["10_000"], "10000"),
        "max_payload_bytes": (["4096"], "4096"),
        "max_frame_bytes": (["16777216"], "16777216"),
        "max_input_bytes": (["9000"], "9000"),
        "max_input_tokens": (["700"], "700"),
        "max_in_flight_per_client": (["8"], "8"),
        "refuse_missed_deadlines": ([], "false"),
        "finished_capacity": (["0"], "0"),
        "training_data": (["data/gec.jsonl,data/mt.jsonl"], #"["data/gec.jsonl", "data/mt.jsonl"]"#),
        "training_rows_per_file": (["2500"], "2500"),
        "forest_trees": (["12"], "12"),
        "seed": (["18446744073709551615"], "18446744073709551615"),
        "heartbeat_interval_s": (["0.25"], "0.25"),
        "heartbeat_timeout_s": (["9"], "9"),
        "status_interval_s": (["2"], "2"),
        "status_window_s": (["60"], "60"),
        "drain_timeout_s": (["0"], "0"),
        "batch_timeout_factor": (["4"], "4"),
        "batch_timeout_floor_s": (["60"], "60"),
        "log_level": (["debug"], #""debug""#),
        "log_format": (["json"], #""json""#),
        "exit_with_parent": ([], "true"),
        "log_path": (["state/c.sqlite"], #""state/c.sqlite""#),
        "log_sync": (["normal"], #""normal""#),
        "retain_rows": (["500"], "500"),
        "retain_seconds": (["0"], "0"),
        "prune_interval_s": (["60"], "60"),
        "retain_models": (["3"], "3"),
        "retraining": ([], "false"),
        "predictor_retrain_interval_s": (["30"], "30"),
        "estimator_retrain_interval_s": (["7"], "7"),
        "predictor_error_tokens": (["5"], "5"),
        "predictor_error_fraction": (["0.3"], "0.3"),
        "estimator_error_s": (["1.5"], "1.5"),
        "estimator_error_fraction": (["0.4"], "0.4"),
        "holdout_fraction": (["0.3"], "0.3"),
        "min_holdout_rows": (["5"], "5"),
        "retrain_window_rows": (["900"], "900"),
        "acceptance_tolerance": (["0.05"], "0.05"),
    ]

    /// The flags given, applied over the defaults (without the cross-option rules, so that
    /// one option can be set alone).
    static func byFlags(_ arguments: [String]) throws -> Configuration {
        let options = try CommandOptions(
            command: "magnus-coordinator", summary: "", specs: CoordinatorOptions.specs, arguments: arguments)
        var configuration = Configuration()
        try Configuration.schema.apply(options, to: &configuration)
        return configuration
    }

    /// The command line of an example: `--FLAG VALUE`, or for a switch the form that gives
    /// the example's value.
    static func commandLine(_ option: ConfigOption<Configuration>, flag: String? = nil) -> [String] {
        let example = examples[option.key]!
        guard option.isSwitch else { return ["--" + (flag ?? option.flag)] + example.arguments }
        return ["--" + (flag ?? (example.json == "true" ? option.flag : option.negatedFlag))]
    }

    static func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "magnus-config-\(UUID().uuidString).json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func loadError(_ path: String) -> String? {
        do {
            _ = try Configuration.load(path: path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func everyOptionHasAnExample() {
        let declared = Set(Configuration.schema.options.map(\.key))
        #expect(declared == Set(Self.examples.keys), "declared without an example: \(declared.subtracting(Self.examples.keys))")
    }

    @Test func everyOptionsFlagAndKeyRoundTrip() throws {
        let defaults = Configuration()
        for option in Configuration.schema.options {
            guard let example = Self.examples[option.key] else { continue }
            let byFlag = try Self.byFlags(Self.commandLine(option))
            let byKey = try Configuration.decode(json: "{\"\(option.key)\": \(example.json)}")
            #expect(byFlag == byKey, "\(option.key): --\(option.flag) and the key give different configurations")
            #expect(byFlag != defaults, "\(option.key): the example is the default")
            // Written back, the value reads the same, and every other option kept its default.
            #expect(try Configuration.decode(json: JSONValue.object([JSONMember(key: option.key, value: option.json(in: byFlag))]).text) == byFlag)
            #expect(Configuration.schema.options.filter { $0.json(in: byFlag) != $0.json(in: defaults) }.map(\.key) == [option.key])
            // Older spellings set the same option.
            for alias in option.aliases {
                #expect(try Self.byFlags(Self.commandLine(option, flag: alias)) == byFlag, "--\(alias)")
            }
        }
    }

    @Test func switchesTakeBothForms() throws {
        for option in Configuration.schema.options where option.isSwitch {
            let on = try Self.byFlags(["--" + option.flag])
            let off = try Self.byFlags(["--" + option.negatedFlag])
            #expect(option.json(in: on) == .bool(true) && option.json(in: off) == .bool(false), "\(option.key)")
            for alias in option.negatedAliases {
                #expect(try Self.byFlags(["--" + alias]) == off, "--\(alias)")
            }
            #expect(throws: UsageError.self) { try Self.byFlags(["--" + option.flag, "--" + option.negatedFlag]) }
        }
        #expect(try Self.byFlags(["--accept-missed-deadlines"]).runtime.refuseMissedDeadlines == false)
        #expect(try Self.byFlags(["--no-retraining"]).storage.retraining == false)
    }

    @Test func flagsFollowKeys() throws {
        for option in Configuration.schema.options {
            let base = option.key.hasSuffix("_s") ? String(option.key.dropLast(2)) : option.key
            #expect(option.flag == base.replacingOccurrences(of: "_", with: "-"), "\(option.key) has the flag --\(option.flag)")
        }
        #expect(Configuration.schema.option(forKey: "wma_threshold")?.flag == "wma-threshold")
        #expect(Configuration.schema.option(forKey: "heartbeat_interval_s")?.flag == "heartbeat-interval")
        // The spellings scripts, deploy files, tests and docs use keep working.
        let older = [
            "phi", "kv-tokens", "max-queued", "trees", "training-rows", "max-in-flight", "accept-missed-deadlines",
            "memory-upper-bound", "predictor-interval", "estimator-interval", "estimator-error-seconds", "retrain-window",
            "no-retraining", "heartbeat-interval", "heartbeat-timeout", "status-interval", "status-window", "drain-timeout",
            "prune-interval", "exit-with-parent", "log-level", "log-path", "log-sync", "training-data", "policy", "profile",
        ]
        for flag in older {
            #expect(Configuration.schema.option(forFlag: flag) != nil, "--\(flag) no longer parses")
        }
        #expect(try Self.byFlags(["--phi", "3000"]).wmaThreshold == 3000)
        #expect(try Self.byFlags(["--wma-threshold=3000"]).wmaThreshold == 3000)
    }

    @Test func helpListsEveryOption() throws {
        let help = try CoordinatorOptions.parse(["--help"]).help
        #expect(help.contains("--config FILE"))
        for option in Configuration.schema.options {
            for flag in option.allFlags {
                #expect(help.contains("--\(flag)"), "--\(flag) is not in the help")
            }
            #expect(help.contains("key \(option.key)"), "\(option.key) is not in the help")
            #expect(help.contains(option.help.dropLast()), "\(option.key)'s help text is missing")
        }
        #expect(help.contains("default: 25000; key wma_threshold; also --phi"))
    }

    @Test func unknownKeyIsRefusedWithItsName() throws {
        let path = try Self.temporaryFile(#"{"polcy": "abp"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(Self.loadError(path))
        #expect(message.contains("unknown key 'polcy'") && message.contains("did you mean 'policy'?"), "\(message)")
        #expect(message.contains("line 1, column 2") && message.contains(path), "\(message)")
        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--config", path]) }

        // A flag's spelling used as a key points to the key.
        let flagAsKey = try #require(Self.decodeError(#"{"policy": "abp", "phi": 3}"#))
        #expect(flagAsKey.contains("unknown key 'phi'") && flagAsKey.contains("'wma_threshold'"), "\(flagAsKey)")
        let far = try #require(Self.decodeError(#"{"colour": "blue"}"#))
        #expect(far.contains("unknown key 'colour'") && !far.contains("did you mean"), "\(far)")
        let twice = try #require(Self.decodeError("{\"seed\": 1,\n \"seed\": 2}"))
        #expect(twice.contains("'seed' is given twice") && twice.contains("line 2, column 2"), "\(twice)")
        let notObject = try #require(Self.decodeError("[1, 2]"))
        #expect(notObject.contains("JSON object"), "\(notObject)")
    }

    static func decodeError(_ text: String) -> String? {
        do {
            _ = try Configuration.decode(json: text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func malformedJSONGivesLineAndColumn() throws {
        let path = try Self.temporaryFile("{\n  \"policy\": \"abp\",\n  \"seed\": x\n}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(Self.loadError(path))
        #expect(message.contains("not valid JSON at line 3, column 11"), "\(message)")

        let trailingComma = try #require(Self.decodeError("{\n  \"policy\": \"abp\",\n}"))
        #expect(trailingComma.contains("line 3, column 1") && trailingComma.contains("trailing comma"), "\(trailingComma)")
        let unterminated = try #require(Self.decodeError("{\"policy\": \"abp}"))
        #expect(unterminated.contains("line 1, column 12") && unterminated.contains("unterminated string"), "\(unterminated)")
        let missingComma = try #require(Self.decodeError("{\"seed\": 1\n \"policy\": \"abp\"}"))
        #expect(missingComma.contains("line 2, column 2") && missingComma.contains("expected ',' or '}'"), "\(missingComma)")
        #expect(Self.decodeError("") != nil)
    }

    @Test func wrongTypesNameTheKeyAndWhere() throws {
        let text = try #require(Self.decodeError("{\n  \"seed\": \"7\"\n}"))
        #expect(text.contains("line 2, column 3: seed must be a whole number, got a string"), "\(text)")
        let fraction = try #require(Self.decodeError(#"{"max_attempts": 2.5}"#))
        #expect(fraction.contains("max_attempts must be a whole number, got 2.5"), "\(fraction)")
        let choice = try #require(Self.decodeError(#"{"status_auth": "closed"}"#))
        #expect(choice.contains("status_auth must be open or curve, got 'closed'"), "\(choice)")
        let policy = try #require(Self.decodeError(#"{"policy": "fifo"}"#))
        #expect(policy.contains("policy must be one of") && policy.contains("magnus-ua"), "\(policy)")
        let list = try #require(Self.decodeError(#"{"training_data": ["a.jsonl", 3]}"#))
        #expect(list.contains("training_data item 2 must be a string"), "\(list)")
        // Whole numbers written as decimals or exponents are whole numbers.
        #expect(try Configuration.decode(json: #"{"max_queued_requests": 1e3}"#).runtime.maxQueuedRequests == 1000)
        // null clears an optional (the profile, here) as before.
        #expect(try Configuration.decode(json: #"{"profile": null, "kv_token_capacity": 9000}"#).profile == nil)
    }

    @Test func missingFileSaysWhy() throws {
        let missing = NSTemporaryDirectory() + "magnus-no-such-config-\(UUID().uuidString).json"
        let notFound = try #require(Self.loadError(missing))
        #expect(notFound == "config file \(missing): not found", "\(notFound)")
        let directory = try #require(Self.loadError(NSTemporaryDirectory()))
        #expect(directory.contains("is a directory"), "\(directory)")
        if getuid() != 0 {  // root reads any file
            let path = try Self.temporaryFile("{}")
            defer { try? FileManager.default.removeItem(atPath: path) }
            chmod(path, 0)
            let denied = try #require(Self.loadError(path))
            #expect(denied.contains("permission denied"), "\(denied)")
        }
        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--config", missing]) }
    }

    @Test func typedValuesFromTheFileAndTheFlags() throws {
        let json = #"""
            {"policy": "magnus-ua", "status_auth": "open", "log_level": "WARN", "log_sync": "normal",
             "training_data": ["data/gec.jsonl"], "seed": 7}
            """#
        let parsed = try Configuration.decode(json: json)
        #expect(parsed.policy == .magnusUncertaintyAware && parsed.statusAuth == .open && parsed.logLevel == .warning)
        #expect(parsed.storage.logSync == .normal && parsed.trainingData == ["data/gec.jsonl"] && parsed.seed == 7)
        let flags = try #require(try CoordinatorOptions.parse(["--policy", "VS:4", "--log-level", "error"]).configuration)
        #expect(flags.policy == .vanilla(batchSize: 4) && flags.logLevel == .error)
    }

    @Test func validationNamesKeyFlagAndValue() throws {
        func message(_ arguments: [String]) -> String {
            do {
                _ = try CoordinatorOptions.parse(arguments)
                return ""
            } catch {
                return error.description
            }
        }
        #expect(message(["--phi", "-1"]).contains("wma_threshold (--wma-threshold) must be positive, got -1"))
        #expect(message(["--profile", "tpu-9"]).contains("profile (--profile) must name a built-in engine profile"))
        #expect(message(["--policy", "oracle"]).contains("magnus bench"))
        #expect(message(["--policy", "oracle-cb"]).contains("magnus bench"))
        #expect(message(["--heartbeat-timeout", "0.5"]).contains("heartbeat_timeout_s must exceed heartbeat_interval_s"))
        #expect(message(["--seed", "-3"]).contains("--seed must be a whole number"))
        #expect(message(["--max-queud", "3"]).contains("did you mean --max-queued?"))
        #expect(message(["--holdout-fraction", "1"]).contains("holdout_fraction (--holdout-fraction) must be in [0, 1)"))
        #expect(message(["--retrain-window", "10", "--min-holdout-rows", "10"]).contains("retrain_window_rows must exceed min_holdout_rows"))
    }

    @Test func wholeConfigurationRoundTripsThroughItsJSON() throws {
        var arguments: [String] = []
        for option in Configuration.schema.options { arguments += Self.commandLine(option) }
        let everything = try Self.byFlags(arguments)
        #expect(try Configuration.decode(json: everything.json.text) == everything)
        #expect(try Configuration.decode(json: Configuration().json.text) == Configuration())
        // Each option holds its own place: every one differs from its default at once.
        let defaults = Configuration()
        #expect(Configuration.schema.options.allSatisfy { $0.json(in: everything) != $0.json(in: defaults) })
    }

    @Test func policyParsingOfEverySpellingInTheService() throws {
        let spellings: [(String, PolicyChoice)] = [
            ("vs:8", .vanilla(batchSize: 8)), ("VS:2", .vanilla(batchSize: 2)), ("glp:4", .glp(batchSize: 4)),
            ("abp", .abp), ("magnus", .magnus), ("Magnus", .magnus), ("magnus-ua", .magnusUncertaintyAware),
            ("ua", .magnusUncertaintyAware), ("magnus-ua-risk", .magnusUncertaintyAwareRisk), ("oracle", .oracle),
            ("ccb", .conservativeContinuousBatching), ("fcfs-cb", .pagedContinuousBatching),
            ("magnus-cb", .magnusContinuous(aging: ContinuousPolicy.defaultAging, tailGuard: ContinuousPolicy.defaultTailGuard)),
            ("magnus-cb:1:0", .magnusContinuous(aging: 1, tailGuard: 0)), ("oracle-cb", .oracleContinuous),
        ]
        for (text, choice) in spellings {
            #expect(try PolicyChoice.parse(text) == choice, "\(text)")
            #expect(try PolicyChoice.parse(choice.name) == choice, "\(choice.name)")
            #expect(try Configuration.decode(json: "{\"policy\": \"\(text)\"}").policy == choice, "\(text) as a key")
            let service = Result { try CoordinatorOptions.parse(["--policy", text]).configuration?.policy }
            if choice.runsInService {
                #expect(try service.get() == choice, "\(text) on the command line")
            } else {
                #expect(throws: UsageError.self, "\(text) runs only in the simulator") { try service.get() }
            }
        }
        for bad in ["vs", "vs:0", "glp:x", "magnus:3", "abp:2", "fifo", ""] {
            #expect(throws: UsageError.self, "\(bad)") { try PolicyChoice.parse(bad) }
        }
        #expect(PolicyChoice.magnusUncertaintyAware.isUncertaintyAware && PolicyChoice.magnusUncertaintyAware.boundedGeneration)
        #expect(PolicyChoice.magnusUncertaintyAwareRisk.isUncertaintyAware && !PolicyChoice.magnusUncertaintyAwareRisk.boundedGeneration)
        #expect(PolicyChoice.oracle.batchingPolicy == .magnus && PolicyChoice.conservativeContinuousBatching.batchingPolicy == nil)
        #expect(PolicyChoice.pagedContinuousBatching.continuousPolicy == .pagedFirstComeFirstServed && PolicyChoice.magnus.continuousPolicy == nil)
    }

    @Test func uncertaintyAwarePoliciesBuildTheirScheduler() throws {
        var configuration = Configuration()
        configuration.kvTokenCapacity = 1 << 20
        configuration.policy = .magnusUncertaintyAwareRisk
        let risk = try PredictorBootstrap.scheduler(configuration, predictor: LengthRatioPredictor())
        #expect(risk.uncertainty?.configuration.boundedGeneration == false && risk.configuration.policy == .magnus)
        configuration.policy = .magnusUncertaintyAware
        let bounded = try PredictorBootstrap.scheduler(configuration, predictor: LengthRatioPredictor())
        #expect(bounded.uncertainty?.configuration.boundedGeneration == true)
        configuration.policy = .glp(batchSize: 4)
        let glp = try PredictorBootstrap.scheduler(configuration, predictor: LengthRatioPredictor())
        #expect(glp.uncertainty == nil && glp.configuration.policy == .glp(batchSize: 4))
        configuration.policy = .oracle
        #expect(throws: UsageError.self) { try PredictorBootstrap.scheduler(configuration, predictor: LengthRatioPredictor()) }
    }

    @Test func runtimeSettingsFollowTheConfiguration() throws {
        let configuration = try Configuration.decode(json: #"""
            {"max_queued_requests": 7, "max_in_flight_per_client": 2, "refuse_missed_deadlines": false,
             "heartbeat_timeout_s": 11, "drain_timeout_s": 4, "log_path": "state/c.sqlite"}
            """#)
        let settings = configuration.runtimeSettings
        #expect(settings.maxQueuedRequests == 7 && settings.maxInFlightPerClient == 2 && !settings.refuseMissedDeadlines)
        #expect(settings.heartbeatTimeout == 11 && settings.drainTimeout == 4 && settings.journaling)
        #expect(Configuration().runtimeSettings == RuntimeSettings())
    }
}
