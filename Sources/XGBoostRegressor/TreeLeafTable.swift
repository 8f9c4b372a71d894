/// Each tree's prediction for each of its leaves, indexed by XGBoost's node id, so that the
/// leaf ids from a `pred_leaf` prediction turn into one prediction per tree.
///
/// In one boosting round of `num_parallel_tree = K` trees XGBoost divides the learning rate
/// by K, so a stored leaf value is 1/K of that tree's own correction to `base_score`: tree k
/// alone predicts `base_score + K × leaf_k`, and the mean over trees is XGBoost's prediction
/// `base_score + Σ leaf_k`.
struct TreeLeafTable: Sendable {
    /// `values[offsets[tree] + nodeID]`: the tree's prediction at that leaf; NaN for split nodes.
    let values: [Double]
    /// Start of each tree's slice of `values`; one more entry than trees (the end).
    let offsets: [Int]

    var treeCount: Int { offsets.count - 1 }

    /// Parses XGBoost's text dump (`XGBoosterDumpModelEx` with format "text", no statistics):
    /// one string per tree whose lines are `<tabs><id>:leaf=<value>` or `<tabs><id>:[<split>] ...`.
    /// Leaf values are printed with float's round-trip precision, so parsing is exact.
    init(textDump trees: [String], baseScore: Float) throws {
        let scale = Double(trees.count)
        var values: [Double] = []
        var offsets: [Int] = [0]
        for (treeIndex, tree) in trees.enumerated() {
            var leaves: [(id: Int, value: Double)] = []
            var maxID = -1
            for line in tree.split(separator: "\n") {
                let text = line.drop { $0 == "\t" || $0 == " " }
                if text.isEmpty { continue }
                guard let colon = text.firstIndex(of: ":"), let id = Int(text[..<colon]), id >= 0 else {
                    throw XGBoostError(call: "XGBoosterDumpModelEx", message: "unparsable line in tree \(treeIndex): \(line)")
                }
                maxID = max(maxID, id)
                let rest = text[text.index(after: colon)...]
                guard rest.hasPrefix("leaf=") else { continue }
                guard let leaf = Float(rest.dropFirst(5)), leaf.isFinite else {
                    throw XGBoostError(call: "XGBoosterDumpModelEx", message: "unparsable leaf in tree \(treeIndex): \(line)")
                }
                leaves.append((id, Double(baseScore) + scale * Double(leaf)))
            }
            guard !leaves.isEmpty else {
                throw XGBoostError(call: "XGBoosterDumpModelEx", message: "tree \(treeIndex) has no leaves")
            }
            let start = values.count
            values.append(contentsOf: repeatElement(.nan, count: maxID + 1))
            for leaf in leaves { values[start + leaf.id] = leaf.value }
            offsets.append(values.count)
        }
        self.values = values
        self.offsets = offsets
    }

    /// Tree `tree`'s prediction at node `nodeID` (a leaf id as reported by `pred_leaf`).
    @inline(__always)
    func prediction(tree: Int, leaf nodeID: Float) -> Double {
        let index = offsets[tree] + Int(nodeID)
        precondition(nodeID >= 0 && index < offsets[tree + 1] && !values[index].isNaN, "XGBoost reported a leaf id that is not a leaf")
        return values[index]
    }
}
