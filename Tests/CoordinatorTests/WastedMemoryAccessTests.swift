import Testing
@testable import Coordinator

@Suite struct WastedMemoryAccessTests {
    @Test func generatingTermIsPaddingReadWhileGenerating() {
        // p: L = 4, G = 2 in a batch with L(B) = 10: 2 steps × 6 padding tokens.
        #expect(WastedMemoryAccess.generating(input: 4, generation: 2, batchInput: 10) == 12)
        #expect(WastedMemoryAccess.generating(input: 10, generation: 7, batchInput: 10) == 0)
    }

    @Test func waitingTermSumsPaddedRowsFromEOSToBatchEnd() {
        // Σ_{g=2}^{5} (g + 10) = 12 + 13 + 14 + 15 = 54.
        #expect(WastedMemoryAccess.waiting(generation: 2, batchInput: 10, batchGeneration: 5) == 54)
        // The longest request: the single term g = G(B): 5 + 10.
        #expect(WastedMemoryAccess.waiting(generation: 5, batchInput: 10, batchGeneration: 5) == 15)
    }

    @Test func batchWMAIsTheWorstMember() {
        // p1 (L 10, G 5): 0 + 15 = 15; p2 (L 4, G 2): 12 + 54 = 66.
        #expect(WastedMemoryAccess.of([(10, 5), (4, 2)]) == 66)
        // Three members, by hand: L(B) = 8, G(B) = 6.
        // (8, 6): 0 + 14 = 14. (3, 6): 6·5 + 14 = 44. (8, 1): 0 + Σ_{g=1}^{6}(g + 8) = 21 + 48 = 69.
        #expect(WastedMemoryAccess.of([(8, 6), (3, 6), (8, 1)]) == 69)
    }

    @Test func closedFormShapeMatchesDirectEvaluation() {
        var generator = SplitMix64Adapter(seed: 7)
        for _ in 0..<200 {
            var shape = BatchShape()
            var members: [(input: Int, generation: Int)] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                let member = (input: Int.random(in: 1...500, using: &generator), generation: Int.random(in: 1...400, using: &generator))
                let predicted = shape.count == 0 ? nil : shape.wastedMemoryAccess(adding: member.input, generation: member.generation)
                members.append(member)
                shape.add(input: member.input, generation: member.generation, upperGeneration: member.generation)
                if let predicted { #expect(predicted == WastedMemoryAccess.of(members)) }
                #expect(shape.wastedMemoryAccess == WastedMemoryAccess.of(members))
            }
            #expect(shape.kvTokens(upper: false) == members.count * (members.map(\.input).max()! + members.map(\.generation).max()!))
        }
    }
}

import Shared
/// Lets tests use `Int.random(in:using:)` with the project's seeded generator.
struct SplitMix64Adapter: RandomNumberGenerator {
    var inner: SplitMix64
    init(seed: UInt64) { inner = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { inner.next() }
}
