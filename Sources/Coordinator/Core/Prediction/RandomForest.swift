/// A trained random forest of regression trees, stored flat for fast prediction.
///
/// Every tree's nodes live in one array; an internal node sends `x[feature] <= threshold`
/// to `left` and everything else to `left + 1`; a leaf has `feature == -1` and a `value`.
public struct RandomForest: Sendable {
    /// One node of a tree.
    public struct Node: Sendable, Hashable {
        public var feature: Int32
        public var left: Int32
        public var threshold: Double
        public var value: Double
    }

    public let nodes: [Node]
    /// Index of each tree's root in `nodes`.
    public let roots: [Int32]
    public let featureCount: Int

    public init(nodes: [Node], roots: [Int32], featureCount: Int) {
        self.nodes = nodes
        self.roots = roots
        self.featureCount = featureCount
    }

    public var treeCount: Int { roots.count }

    /// - Complexity: O(depth) for one tree.
    @inline(__always)
    func predict(tree root: Int32, _ x: UnsafeBufferPointer<Double>) -> Double {
        nodes.withUnsafeBufferPointer { nodes in
            var index = Int(root)
            while true {
                let node = nodes[index]
                if node.feature < 0 { return node.value }
                index = x[Int(node.feature)] <= node.threshold ? Int(node.left) : Int(node.left) + 1
            }
        }
    }

    /// The mean of the trees' predictions.
    /// - Complexity: O(trees × depth).
    public func predict(_ x: [Double]) -> Double {
        precondition(x.count == featureCount, "expected \(featureCount) features, got \(x.count)")
        return x.withUnsafeBufferPointer { buffer in
            var sum = 0.0
            for root in roots { sum += predict(tree: root, buffer) }
            return sum / Double(roots.count)
        }
    }

    /// Every tree's prediction, sorted ascending (for quantiles across trees).
    /// - Complexity: O(trees × (depth + log trees)).
    public func treePredictions(_ x: [Double]) -> [Double] {
        precondition(x.count == featureCount, "expected \(featureCount) features, got \(x.count)")
        let values = x.withUnsafeBufferPointer { buffer in roots.map { predict(tree: $0, buffer) } }
        return values.sorted()
    }

    /// Mean and the `quantile` of the trees' predictions (the spread across trees).
    public func predictWithSpread(_ x: [Double], quantile: Double) -> (mean: Double, upper: Double) {
        let values = treePredictions(x)
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, Self.quantile(ofSorted: values, quantile))
    }

    /// Linear-interpolated quantile of sorted values.
    public static func quantile(ofSorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let position = min(max(q, 0), 1) * Double(values.count - 1)
        let lower = Int(position)
        let upper = min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        return values[lower] * (1 - fraction) + values[upper] * fraction
    }
}
