import Coordinator
import Shared
import Testing
import Worker
@testable import Simulation

/// Every policy runs on every kind of workload: rows with text (task files) and rows without
/// (traces give only lengths).
@Suite struct EveryPolicyTests {
    static let policies = [
        "vs:8", "glp:8", "abp", "magnus", "magnus-ua", "magnus-ua-risk", "oracle", "ccb", "fcfs-cb", "magnus-cb", "oracle-cb",
    ]

    func workload(withText: Bool) -> ServingWorkload {
        let counter = HeuristicTokenCounter()
        let examples = SyntheticWorkload(statistics: BuiltInWorkload.paperTasks).records(count: 400, seed: 9).map { record in
            var example = LengthExample(record: record, counter: counter)
            if !withText {
                // What a trace row is: an application and two lengths, no text.
                example = LengthExample(
                    application: "trace", instruction: "", input: "", inputTokens: example.inputTokens,
                    generatedTokens: example.generatedTokens)
            }
            return example
        }
        return ServingWorkload(training: examples, pool: examples, traceArrivals: nil, description: "test")
    }

    @Test(arguments: [true, false])
    func everyPolicyAnswersEveryRequest(withText: Bool) throws {
        let benchmark = ServingBenchmark(
            workload: workload(withText: withText), profile: .v100ChatGLM6B, workers: 4,
            policies: try Self.policies.map { text throws(UsageError) in try PolicySpec(parsing: text) }, rates: [8],
            requestsPerRate: 200, maxNewTokens: 512)
        let results = benchmark.run()
        #expect(results.count == Self.policies.count)
        for result in results {
            #expect(result.completed + result.failed + result.rejected == 200, "\(result.policy)")
            #expect(result.completed > 0, "\(result.policy) completed nothing")
        }
    }

    @Test func textlessRowsAreSplitBetweenTrainingAndCalibration() {
        let rows = workload(withText: false).training
        let (training, calibration) = CalibratedLengthPredictor.split(rows)
        #expect(!training.isEmpty && !calibration.isEmpty)
        #expect(training.count + calibration.count == rows.count)
    }
}
