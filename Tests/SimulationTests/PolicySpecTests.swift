import Coordinator
import Shared
import Testing
@testable import Simulation

/// `magnus bench --policies` reads names through the same parser as the service
/// (`PolicyChoice.parse`); `PolicySpec` only says how the benchmark runs each.
@Suite struct PolicySpecTests {
    @Test func everySpellingThroughTheOneParser() throws {
        let spellings: [(String, PolicyChoice, PolicySpec, String)] = [
            ("vs:8", .vanilla(batchSize: 8), .scheduler(.vanilla(batchSize: 8), oracle: false), "VS-8"),
            ("VS:2", .vanilla(batchSize: 2), .scheduler(.vanilla(batchSize: 2), oracle: false), "VS-2"),
            ("glp:4", .glp(batchSize: 4), .scheduler(.glp(batchSize: 4), oracle: false), "GLP-4"),
            ("abp", .abp, .scheduler(.abp, oracle: false), "ABP"),
            ("magnus", .magnus, .scheduler(.magnus, oracle: false), "Magnus"),
            ("oracle", .oracle, .scheduler(.magnus, oracle: true), "Magnus-oracle"),
            ("ccb", .conservativeContinuousBatching, .continuous(.conservative, oracle: false), "CCB"),
            ("fcfs-cb", .pagedContinuousBatching, .continuous(.pagedFirstComeFirstServed, oracle: false), "FCFS-CB"),
            ("magnus-cb", .magnusContinuous(aging: 2, tailGuard: 0), .continuous(.magnus(), oracle: false), "Magnus-CB"),
            ("magnus-cb:2", .magnusContinuous(aging: 2, tailGuard: 0), .continuous(.magnus(), oracle: false), "Magnus-CB"),
            ("magnus-cb:0.5", .magnusContinuous(aging: 0.5, tailGuard: 0), .continuous(.magnus(aging: 0.5), oracle: false),
                "Magnus-CB(0.5, 0.0)"),
            ("magnus-cb:1:0.5", .magnusContinuous(aging: 1, tailGuard: 0.5), .continuous(.magnus(aging: 1, tailGuard: 0.5), oracle: false),
                "Magnus-CB(1.0, 0.5)"),
            ("oracle-cb", .oracleContinuous, .continuous(.oracle, oracle: true), "Oracle-CB"),
            ("magnus-ua", .magnusUncertaintyAware, .uncertaintyAware(.magnus), "Magnus-UA"),
            ("ua", .magnusUncertaintyAware, .uncertaintyAware(.magnus), "Magnus-UA"),
            ("magnus-ua-risk", .magnusUncertaintyAwareRisk, .uncertaintyAware(.magnus, boundedGeneration: false), "Magnus-UA-risk"),
        ]
        for (text, choice, spec, label) in spellings {
            #expect(try PolicyChoice.parse(text) == choice, "\(text)")
            #expect(PolicySpec(choice) == spec, "\(text)")
            #expect(try PolicySpec(parsing: text) == spec, "\(text)")
            #expect(PolicySpec.parse(text) == spec && spec.description == label, "\(text)")
        }
        for bad in ["vs", "vs:0", "glp:x", "magnus:3", "bogus", "", "magnus-cb:x", "magnus-cb:-1", "magnus-cb:1:y", "magnus-cb:1:2:3",
            "magnus-cb:nan", "fcfs-cb:2", "oracle-cb:1"]
        {
            #expect(PolicySpec.parse(bad) == nil, "\(bad)")
            #expect(throws: UsageError.self, "\(bad)") { try PolicySpec(parsing: bad) }
        }
        // The canonical names read back to the same policy.
        for choice: PolicyChoice in [.magnusContinuous(aging: 2, tailGuard: 0), .magnusContinuous(aging: 0.5, tailGuard: 3)] {
            #expect(try PolicyChoice.parse(choice.name) == choice, "\(choice.name)")
        }
        #expect(!PolicyChoice.oracleContinuous.runsInService && PolicyChoice.magnusContinuous(aging: 1, tailGuard: 1).runsInService)
    }
}
