import Shared

/// A simulated GPU running iteration-level batching with a paged KV cache, the way vLLM's
/// scheduler does at its core: admissions wait in arrival order and join at the next step
/// while their prompt's blocks fit and a sequence slot is free; every step decodes one token
/// for every running row and prefills the rows that join; a row leaves when it reaches its
/// length. When a step needs more blocks than are free, the most recently admitted rows are
/// preempted (their blocks freed, their text so far reported) until it fits: recompute
/// preemption, the coordinator requeues them. Costs follow `EngineProfile+Continuous`.
///
/// Deterministic and pure: the simulator advances it step by step, the worker service waits
/// each step's modelled duration out in real time.
public struct SimulatedContinuousEngine: ContinuousEngine {
    /// One admission inside the engine.
    struct Row: Sendable, Hashable {
        var admission: BatchID
        var request: EngineRequest
        /// Tokens it generates in this admission (natural length within its limit).
        var target: Int
        var finishesNaturally: Bool
        var generated = 0
        var lastProgress = 0
        /// Engine time of its admission and of its first token.
        var admittedAt: Seconds
        var firstTokenAt: Seconds?
        var order: UInt64

        var context: Int { request.inputTokens + generated }
    }

    public let profile: EngineProfile
    /// Tokens between two `progress` reports of one row.
    public let progressInterval: Int
    /// Whether `progress` rows carry the text so far (for clients that stream it; the
    /// simulator's clients do not, and skip its cost).
    public let progressText: Bool
    public let capacity: ContinuousCapacity
    private var running: [Row] = []
    private var waiting: [Row] = []
    private var usedBlocks = 0
    private var nextOrder: UInt64 = 0
    /// Device seconds of every step so far.
    public private(set) var elapsed: Seconds = 0
    /// Rows preempted so far, and the context tokens whose cache they lost.
    public private(set) var preemptions = 0

    public init(profile: EngineProfile = .v100ChatGLM6B, progressInterval: Int = 32, progressText: Bool = true) {
        self.profile = profile
        self.progressText = progressText
        self.progressInterval = max(1, progressInterval)
        capacity = profile.continuousCapacity
    }

    public var capabilities: WorkerCapabilities { profile.continuousCapabilities }
    public var isSimulated: Bool { true }
    public var isIdle: Bool { running.isEmpty && waiting.isEmpty }
    /// Sequences running now.
    public var runningCount: Int { running.count }
    /// KV token slots held by running rows.
    public var usedTokens: Int { usedBlocks * capacity.blockSize }

    public var room: ContinuousRoom {
        let waitingTokens = waiting.reduce(0) { $0 + blocks(for: $1.request.inputTokens + 1) } * capacity.blockSize
        return ContinuousRoom(
            freeTokens: max(0, capacity.kvTokenSlots - usedTokens - waitingTokens),
            freeSequences: max(0, capacity.maxRunning - running.count - waiting.count))
    }

    public mutating func admit(_ admission: BatchMessage) throws(EngineError) {
        guard admission.requests.count == 1, let request = admission.requests.first else {
            throw EngineError("a continuous engine takes one request per admission, got \(admission.requests.count)")
        }
        guard request.inputTokens >= 0, request.inputTokens <= SimulatedGPUEngine.maxInputTokens else {
            throw EngineError("request \(request.id): input length \(request.inputTokens) out of range")
        }
        guard blocks(for: request.inputTokens + 1) <= capacity.kvTokenSlots / capacity.blockSize else {
            throw EngineError("request \(request.id): \(request.inputTokens) input tokens exceed the KV cache (\(capacity.kvTokenSlots) slots)")
        }
        guard !running.contains(where: { $0.admission == admission.batchID }),
            !waiting.contains(where: { $0.admission == admission.batchID })
        else { throw EngineError("admission \(admission.batchID) is already in the engine") }
        let natural = max(1, request.simulatedOutputTokens
            ?? SimulatedGPUEngine.defaultOutputTokens(prompt: request.prompt, inputTokens: request.inputTokens))
        let limit = max(1, request.maxNewTokens)
        waiting.append(
            Row(
                admission: admission.batchID, request: request, target: min(natural, limit), finishesNaturally: natural <= limit,
                admittedAt: elapsed, order: nextOrder))
        nextOrder += 1
    }

    /// - Complexity: O(running + joining rows).
    public mutating func step() throws(EngineError) -> ContinuousStep {
        var reports: [WorkerMessage] = []
        let totalBlocks = capacity.kvTokenSlots / capacity.blockSize
        // 1. Memory for one more token of every running row; preempt the newest rows when short.
        var growth = running.reduce(0) { $0 + blocks(for: $1.context + 1) - blocks(for: $1.context) }
        var preempted = false
        while usedBlocks + growth > totalBlocks, let victim = running.indices.max(by: { running[$0].order < running[$1].order }) {
            let row = running.remove(at: victim)
            growth -= blocks(for: row.context + 1) - blocks(for: row.context)
            usedBlocks -= blocks(for: row.context)
            preemptions += 1
            preempted = true
            reports.append(
                .preempted(
                    PreemptedMessage(
                        batchID: row.admission, text: text(of: row, tokens: row.generated), generatedTokens: row.generated,
                        duration: elapsed - row.admittedAt, firstTokenSeconds: row.firstTokenAt.map { $0 - row.admittedAt })))
        }
        usedBlocks += growth
        // 2. Join: waiting rows in admission order while a slot, their prompt's blocks and the
        //    step's prefill budget allow (a prompt longer than the budget joins alone); never
        //    while this step had to preempt.
        var joining: [Row] = []
        var prefillTokens = 0
        while !preempted, let next = waiting.first, running.count + joining.count < capacity.maxRunning {
            let need = blocks(for: next.request.inputTokens + 1)
            guard usedBlocks + need <= totalBlocks else { break }
            if !joining.isEmpty && prefillTokens + next.request.inputTokens > EngineProfile.continuousPrefillTokensPerStep { break }
            waiting.removeFirst()
            usedBlocks += need
            prefillTokens += next.request.inputTokens
            joining.append(next)
        }
        // 3. The step's cost: decode of the running rows plus the joining prompts' prefill.
        let context = running.reduce(0) { $0 + $1.context }
        let squares = joining.reduce(0.0) { $0 + Double($1.request.inputTokens) * Double($1.request.inputTokens) }
        let duration = profile.continuousStepSeconds(
            decodingRows: running.count, decodingContext: context, prefillTokens: prefillTokens, prefillSquares: squares)
        elapsed += duration
        // 4. Every row gains a token: decoding rows their next, joining rows their first.
        for index in running.indices { running[index].generated += 1 }
        for var row in joining {
            row.generated = 1
            row.firstTokenAt = elapsed
            running.append(row)
        }
        let rows = running.count
        // 5. Rows at their length leave; the others report progress now and then.
        var staying: [Row] = []
        var progress: [ProgressMessage.Row] = []
        for var row in running {
            if row.generated >= row.target {
                usedBlocks -= blocks(for: row.context)
                reports.append(
                    .result(
                        BatchResultMessage(
                            batchID: row.admission, duration: elapsed - row.admittedAt,
                            outputs: [
                                EngineOutput(
                                    id: row.request.id, text: text(of: row, tokens: row.generated), generatedTokens: row.generated,
                                    inputTokensSeen: row.request.inputTokens, finished: row.finishesNaturally)
                            ], firstTokenSeconds: (row.firstTokenAt ?? elapsed) - row.admittedAt)))
                continue
            }
            if row.generated - row.lastProgress >= progressInterval {
                row.lastProgress = row.generated
                progress.append(
                    ProgressMessage.Row(
                        batchID: row.admission, generatedTokens: row.generated,
                        text: progressText ? text(of: row, tokens: row.generated) : nil))
            }
            staying.append(row)
        }
        running = staying
        if !progress.isEmpty { reports.append(.progress(ProgressMessage(rows: progress))) }
        return ContinuousStep(duration: duration, reports: reports, room: room, rows: rows)
    }

    private func blocks(for tokens: Int) -> Int {
        (max(0, tokens) + capacity.blockSize - 1) / capacity.blockSize
    }

    private func text(of row: Row, tokens: Int) -> String {
        PlaceholderText.make(tokens: tokens, start: StableHash.of(row.request.id.rawValue) &+ UInt64(row.request.continuation?.count ?? 0))
    }
}
