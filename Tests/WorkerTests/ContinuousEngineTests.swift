import Shared
import Testing
import Worker

/// The iteration-level simulated engine: rows join and leave between steps, steps cost the
/// running rows only, and a step short of KV blocks preempts the newest rows.
@Suite("Continuous engine")
struct ContinuousEngineTests {
    /// The toy profile with a paged cache of `slots` token slots (blocks of 16).
    static func profile(slots: Int) -> EngineProfile {
        TestSupport.toyProfile(memoryBytes: 2_000_000_000 + 1500 + slots * 64)
    }

    static func admission(_ id: Int, input: Int, output: Int, maxNewTokens: Int = 1000) -> BatchMessage {
        BatchMessage(
            batchID: BatchID(UInt64(id)), requests: [TestSupport.request("r\(id)", input: input, output: output, maxNewTokens: maxNewTokens)],
            estimatedSeconds: 1)
    }

    /// Runs steps until idle, collecting every report.
    static func drain(_ engine: inout SimulatedContinuousEngine, limit: Int = 10_000) throws -> [ContinuousStep] {
        var steps: [ContinuousStep] = []
        while !engine.isIdle, steps.count < limit { steps.append(try engine.step()) }
        return steps
    }

    static func results(_ steps: [ContinuousStep]) -> [BatchResultMessage] {
        steps.flatMap(\.reports).compactMap { if case .result(let result) = $0 { result } else { nil } }
    }

    @Test func capacityIsWholeBlocksOfTheBudget() {
        let capacity = Self.profile(slots: 100).continuousCapacity
        #expect(capacity.blockSize == 16)
        #expect(capacity.kvTokenSlots == 96)
        #expect(Self.profile(slots: 100).continuousCapabilities.continuous == capacity)
    }

    @Test func rowsLeaveAtTheirOwnLengthWithoutPadding() throws {
        var engine = SimulatedContinuousEngine(profile: Self.profile(slots: 10_000))
        try engine.admit(Self.admission(1, input: 10, output: 3))
        try engine.admit(Self.admission(2, input: 20, output: 6))
        let steps = try Self.drain(&engine)
        // Row 2's six tokens take six steps: the prefill emits the first, five decode steps the rest.
        #expect(steps.count == 6)
        let results = Self.results(steps)
        #expect(results.map(\.batchID) == [BatchID(1), BatchID(2)])
        #expect(results.map { $0.outputs[0].generatedTokens } == [3, 6])
        #expect(results.allSatisfy { $0.outputs[0].finished == true })
        // Row 1 left after its third step: steps 4 to 6 cost one row's decode over its own context.
        let profile = Self.profile(slots: 10_000)
        let expected = profile.continuousStepSeconds(decodingRows: 1, decodingContext: 20 + 3, prefillTokens: 0, prefillSquares: 0)
        #expect(TestSupport.close(steps[3].duration, expected))
        // The first step is both prompts' prefill, without padding.
        let prefill = profile.continuousStepSeconds(decodingRows: 0, decodingContext: 0, prefillTokens: 30, prefillSquares: 500)
        #expect(TestSupport.close(steps[0].duration, prefill))
        // First token after the prefill; duration from admission to the last step.
        #expect(TestSupport.close(results[0].firstTokenSeconds!, prefill))
        #expect(TestSupport.close(results[1].duration, steps.map(\.duration).reduce(0, +), rel: 1e-9))
    }

    @Test func aRowStoppedAtItsLimitIsNotFinished() throws {
        var engine = SimulatedContinuousEngine(profile: Self.profile(slots: 10_000))
        try engine.admit(Self.admission(1, input: 5, output: 50, maxNewTokens: 4))
        let output = Self.results(try Self.drain(&engine))[0].outputs[0]
        #expect(output.generatedTokens == 4)
        #expect(output.finished == false)
    }

    @Test func aStepShortOfBlocksPreemptsTheNewestRow() throws {
        // 64 slots = 4 blocks. Two rows of 15-token prompts hold one block each and need a
        // second at their second token; after that each new block is 16 tokens away.
        var engine = SimulatedContinuousEngine(profile: Self.profile(slots: 64))
        try engine.admit(Self.admission(1, input: 15, output: 40))
        try engine.admit(Self.admission(2, input: 15, output: 40))
        let steps = try Self.drain(&engine)
        let preempted = steps.flatMap(\.reports).compactMap { if case .preempted(let p) = $0 { p } else { nil } }
        #expect(preempted.map(\.batchID) == [BatchID(2)])
        #expect(preempted[0].generatedTokens >= 1)
        #expect(preempted[0].text.split(separator: " ").count == preempted[0].generatedTokens)
        #expect(engine.preemptions == 1)
        // The older row runs to its end; the preempted one is gone from the engine.
        #expect(Self.results(steps).map(\.batchID) == [BatchID(1)])
        #expect(Self.results(steps)[0].outputs[0].generatedTokens == 40)
        #expect(engine.isIdle && engine.usedTokens == 0)
    }

    @Test func roomCountsRunningAndWaitingRows() throws {
        var engine = SimulatedContinuousEngine(profile: Self.profile(slots: 160))
        #expect(engine.room == ContinuousRoom(freeTokens: 160, freeSequences: 256))
        try engine.admit(Self.admission(1, input: 20, output: 10))
        // Waiting: its prompt's two blocks are spoken for.
        #expect(engine.room == ContinuousRoom(freeTokens: 128, freeSequences: 255))
        _ = try engine.step()
        #expect(engine.room == ContinuousRoom(freeTokens: 128, freeSequences: 255))
        _ = try Self.drain(&engine)
        #expect(engine.room == ContinuousRoom(freeTokens: 160, freeSequences: 256))
    }

    @Test func refusesWhatItCannotRun() throws {
        var engine = SimulatedContinuousEngine(profile: Self.profile(slots: 64))
        #expect(throws: EngineError.self) { try engine.admit(Self.admission(1, input: 64, output: 1)) }
        var two = Self.admission(2, input: 1, output: 1)
        two.requests.append(TestSupport.request("x", input: 1, output: 1))
        #expect(throws: EngineError.self) { try engine.admit(two) }
        try engine.admit(Self.admission(3, input: 1, output: 1))
        #expect(throws: EngineError.self) { try engine.admit(Self.admission(3, input: 1, output: 1)) }
    }

    @Test func progressIsReportedEveryIntervalOfTokens() throws {
        var engine = SimulatedContinuousEngine(profile: Self.profile(slots: 10_000), progressInterval: 10)
        try engine.admit(Self.admission(1, input: 4, output: 35))
        let rows = try Self.drain(&engine).flatMap(\.reports).flatMap { report -> [ProgressMessage.Row] in
            if case .progress(let progress) = report { return progress.rows }
            return []
        }
        #expect(rows.map(\.generatedTokens) == [10, 20, 30])
    }
}
