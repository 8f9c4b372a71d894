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
            ("ccb", .conservativeContinuousBatching, .conservativeContinuousBatching, "CCB"),
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
        for bad in ["vs", "vs:0", "glp:x", "magnus:3", "bogus", ""] {
            #expect(PolicySpec.parse(bad) == nil, "\(bad)")
            #expect(throws: UsageError.self, "\(bad)") { try PolicySpec(parsing: bad) }
        }
    }
}
