import Foundation
import Coordinator
import MagnusTestSupport
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared
import Storage
import Testing

/// The log store and retraining settings: config keys, flags, defaults, validation.
@Suite struct StorageConfigurationTests {
    @Test func defaultsAreInMemoryWithThePapersIntervals() {
        let storage = CoordinatorConfiguration().storage
        #expect(storage.logPath == nil && !storage.retrainingEnabled)
        #expect(storage.logSync == .full && storage.retraining)
        #expect(storage.retrainingPolicy.predictorInterval == 180 && storage.retrainingPolicy.estimatorInterval == 120)
        #expect(storage.retainRows == 1_000_000 && storage.retainSeconds == 7 * 86_400)
    }

    @Test func configKeysAndFlags() throws {
        let path = NSTemporaryDirectory() + "magnus-storage-config-\(UUID().uuidString).json"
        let json = #"""
            {"log_path": "state/c.sqlite", "log_sync": "normal", "retain_rows": 500, "retain_seconds": 0,
             "predictor_retrain_interval_s": 30, "predictor_error_tokens": 5, "holdout_fraction": 0.3,
             "acceptance_tolerance": 0.05}
            """#
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try #require(try CoordinatorOptions.parse(["--config", path]).configuration).storage
        #expect(fromFile.logPath == "state/c.sqlite" && fromFile.logSync == .normal)
        #expect(fromFile.retainRows == 500 && fromFile.retainSeconds == 0)
        #expect(fromFile.retrainingPolicy.predictorInterval == 30 && fromFile.retrainingPolicy.predictorErrorTokens == 5)
        #expect(fromFile.retrainingPolicy.holdoutFraction == 0.3 && fromFile.retrainingPolicy.acceptanceTolerance == 0.05)
        #expect(fromFile.retrainingPolicy.estimatorInterval == 120, "absent keys keep their defaults")

        let flags = try #require(
            try CoordinatorOptions.parse([
                "--config", path, "--log-path", "other.sqlite", "--no-retraining", "--estimator-interval", "7",
                "--min-holdout-rows", "5", "--retain-models", "3",
            ]).configuration
        ).storage
        #expect(flags.logPath == "other.sqlite" && !flags.retraining && !flags.retrainingEnabled)
        #expect(flags.retrainingPolicy.estimatorInterval == 7 && flags.retrainingPolicy.minimumHoldoutRows == 5)
        #expect(flags.retrainingPolicy.predictorInterval == 30 && flags.retainModels == 3)

        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--log-sync", "sometimes"]) }
        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--predictor-interval", "0"]) }
        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--holdout-fraction", "1"]) }
        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--retain-rows", "-1"]) }
    }
}
