/// Wasted memory access (WMA), exactly as MAGNUS.md states it. Lengths are in tokens; a WMA
/// counts KV-cache token reads that contribute nothing to the output.
public enum WastedMemoryAccess {
    /// WMA_gen(p) = G(p) · (L(B) − L(p)): padding read while p is still generating.
    public static func generating(input: Int, generation: Int, batchInput: Int) -> Double {
        Double(generation) * (Double(batchInput) - Double(input))
    }

    /// WMA_wait(p) = Σ_{g = G(p)}^{G(B)} (g + L(B)): the whole padded row read while p waits
    /// for the batch after its EOS.
    public static func waiting(generation: Int, batchInput: Int, batchGeneration: Int) -> Double {
        // In Doubles throughout: counts near Int.max must not trap.
        let terms = Double(batchGeneration) - Double(generation) + 1
        guard terms > 0 else { return 0 }
        return terms * Double(batchInput) + (Double(generation) + Double(batchGeneration)) * terms / 2
    }

    /// WMA(B) = max over p of WMA_gen(p) + WMA_wait(p), by direct evaluation.
    /// - Complexity: O(β).
    public static func of(_ members: [(input: Int, generation: Int)]) -> Double {
        guard let batchInput = members.map(\.input).max(), let batchGeneration = members.map(\.generation).max()
        else { return 0 }
        return members.map {
            generating(input: $0.input, generation: $0.generation, batchInput: batchInput)
                + waiting(generation: $0.generation, batchInput: batchInput, batchGeneration: batchGeneration)
        }.max()!
    }
}

/// The summary of a batch that WMA and MEM need, kept in O(1) per added request.
///
/// Expanding the two terms, WMA_gen(p) + WMA_wait(p) =
/// (G(B) + 1)·L(B) + G(B)(G(B) + 1)/2 + c(p), with c(p) = G(p)(1 − G(p))/2 − G(p)·L(p),
/// where c(p) does not depend on the batch. So WMA(B) only needs L(B), G(B) and max c(p),
/// and WMA(B ∪ {p}) costs O(1) instead of O(β).
public struct BatchShape: Sendable, Hashable {
    /// β.
    public private(set) var count: Int = 0
    /// L(B).
    public private(set) var maxInput: Int = 0
    /// G'(B) (predicted).
    public private(set) var maxGeneration: Int = 0
    /// Largest predicted upper bound, for an uncertainty-aware memory check.
    public private(set) var maxUpperGeneration: Int = 0
    /// max over p of c(p).
    public private(set) var maxIndividualTerm: Double = -.infinity

    public init() {}

    static func individualTerm(input: Int, generation: Int) -> Double {
        let g = Double(generation)
        return g * (1 - g) / 2 - g * Double(input)
    }

    static func wma(maxInput: Int, maxGeneration: Int, maxIndividualTerm: Double) -> Double {
        let l = Double(maxInput), g = Double(maxGeneration)
        return (g + 1) * l + g * (g + 1) / 2 + maxIndividualTerm
    }

    /// WMA(B); 0 for an empty batch.
    public var wastedMemoryAccess: Double {
        count == 0 ? 0 : Self.wma(maxInput: maxInput, maxGeneration: maxGeneration, maxIndividualTerm: maxIndividualTerm)
    }

    /// WMA(B ∪ {p}) without changing the batch.
    public func wastedMemoryAccess(adding input: Int, generation: Int) -> Double {
        Self.wma(
            maxInput: max(maxInput, input), maxGeneration: max(maxGeneration, generation),
            maxIndividualTerm: max(maxIndividualTerm, Self.individualTerm(input: input, generation: generation)))
    }

    /// β · (L(B) + G(B)) in tokens, with G from the prediction (`upper: false`) or its
    /// upper bound; MEM(B) is this times Δ.
    public func kvTokens(upper: Bool) -> Int {
        count * (maxInput + (upper ? maxUpperGeneration : maxGeneration))
    }

    /// The same for B ∪ {p}.
    public func kvTokens(adding input: Int, generation: Int, upperGeneration: Int, upper: Bool) -> Int {
        let g = upper ? max(maxUpperGeneration, upperGeneration) : max(maxGeneration, generation)
        return (count + 1) * (max(maxInput, input) + g)
    }

    public mutating func add(input: Int, generation: Int, upperGeneration: Int) {
        count += 1
        maxInput = max(maxInput, input)
        maxGeneration = max(maxGeneration, generation)
        maxUpperGeneration = max(maxUpperGeneration, upperGeneration)
        maxIndividualTerm = max(maxIndividualTerm, Self.individualTerm(input: input, generation: generation))
    }
}
