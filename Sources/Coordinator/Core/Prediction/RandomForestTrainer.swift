import Shared

/// Hyper-parameters of the random forest.
public struct RandomForestConfiguration: Sendable, Hashable, Codable {
    public var trees: Int
    public var maxDepth: Int
    public var minSamplesLeaf: Int
    /// Features tried at each split; nil = half of the features (measured best on the task
    /// data, docs/benchmarks.md).
    public var featuresPerSplit: Int?
    /// Histogram bins per feature (at most 256).
    public var bins: Int
    /// Bootstrap sample size as a fraction of the training rows.
    public var sampleFraction: Double
    public var seed: UInt64

    public init(
        trees: Int = 50, maxDepth: Int = 16, minSamplesLeaf: Int = 10, featuresPerSplit: Int? = nil,
        bins: Int = 128, sampleFraction: Double = 1.0, seed: UInt64 = 42
    ) {
        self.trees = trees
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.featuresPerSplit = featuresPerSplit
        self.bins = bins
        self.sampleFraction = sampleFraction
        self.seed = seed
    }
}

/// Trains a `RandomForest` by bagging CART regression trees with histogram splits: each
/// feature is cut into at most `bins` quantile bins once, and each node picks the split that
/// most reduces squared error among `featuresPerSplit` random features.
public struct RandomForestTrainer: Sendable {
    public var configuration: RandomForestConfiguration

    public init(configuration: RandomForestConfiguration = .init()) {
        self.configuration = configuration
    }

    /// - Parameters:
    ///   - rows: feature vectors, all of the same length.
    ///   - targets: one target per row.
    /// - Complexity: O(trees × depth × rows × featuresPerSplit).
    public func train(rows: [[Double]], targets: [Double]) -> RandomForest {
        precondition(!rows.isEmpty && rows.count == targets.count, "need as many targets as rows, and at least one")
        let featureCount = rows[0].count
        let n = rows.count
        let bins = min(max(configuration.bins, 2), 256)
        let binning = FeatureBinning(rows: rows, bins: bins)
        let mtry = min(featureCount, max(1, configuration.featuresPerSplit ?? max(1, featureCount / 2)))
        var generator = SplitMix64(seed: configuration.seed)
        var nodes: [RandomForest.Node] = []
        var roots: [Int32] = []
        let sampleSize = max(1, Int(Double(n) * configuration.sampleFraction))
        var builder = TreeBuilder(
            binned: binning.binned, thresholds: binning.thresholds, targets: targets, rowCount: n,
            featureCount: featureCount, bins: bins, mtry: mtry,
            maxDepth: configuration.maxDepth, minLeaf: max(1, configuration.minSamplesLeaf))
        for _ in 0..<configuration.trees {
            var sample = [Int32](repeating: 0, count: sampleSize)
            for i in 0..<sampleSize { sample[i] = Int32(generator.next() % UInt64(n)) }
            roots.append(Int32(nodes.count))
            builder.build(sample: &sample, into: &nodes, generator: &generator)
        }
        return RandomForest(nodes: nodes, roots: roots, featureCount: featureCount)
    }
}

/// Quantile bins per feature: `binned[f * rows + i]` is row i's bin of feature f, and a row
/// is in bin b or below exactly when its value is `<= thresholds[f][b]`.
struct FeatureBinning {
    var binned: [UInt8]
    var thresholds: [[Double]]

    init(rows: [[Double]], bins: Int) {
        let n = rows.count
        let featureCount = rows[0].count
        binned = [UInt8](repeating: 0, count: n * featureCount)
        thresholds = []
        for f in 0..<featureCount {
            var values = rows.map { $0[f] }
            values.sort()
            // Candidate cut points: distinct values at evenly spaced ranks.
            var cuts: [Double] = []
            for b in 1..<bins {
                let value = values[min(n - 1, b * n / bins)]
                if cuts.last != value { cuts.append(value) }
            }
            if cuts.last == values.last { cuts.removeLast() }
            // Thresholds are cut points; the last bin is open-ended.
            var featureThresholds = cuts
            featureThresholds.append(.infinity)
            for i in 0..<n {
                // Binary search the first threshold >= value.
                let value = rows[i][f]
                var lo = 0, hi = featureThresholds.count - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if value <= featureThresholds[mid] { hi = mid } else { lo = mid + 1 }
                }
                binned[f * n + i] = UInt8(lo)
            }
            thresholds.append(featureThresholds)
        }
    }
}

/// Grows one tree at a time over shared binned data.
struct TreeBuilder {
    let binned: [UInt8]
    let thresholds: [[Double]]
    let targets: [Double]
    let rowCount: Int
    let featureCount: Int
    let bins: Int
    let mtry: Int
    let maxDepth: Int
    let minLeaf: Int
    private var counts: [Int]
    private var sums: [Double]
    private var featureOrder: [Int]

    init(
        binned: [UInt8], thresholds: [[Double]], targets: [Double], rowCount: Int, featureCount: Int, bins: Int,
        mtry: Int, maxDepth: Int, minLeaf: Int
    ) {
        self.binned = binned
        self.thresholds = thresholds
        self.targets = targets
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.bins = bins
        self.mtry = mtry
        self.maxDepth = maxDepth
        self.minLeaf = minLeaf
        counts = [Int](repeating: 0, count: bins)
        sums = [Double](repeating: 0, count: bins)
        featureOrder = Array(0..<featureCount)
    }

    mutating func build(sample: inout [Int32], into nodes: inout [RandomForest.Node], generator: inout SplitMix64) {
        let root = nodes.count
        nodes.append(.init(feature: -1, left: -1, threshold: 0, value: 0))
        grow(node: root, sample: &sample, range: 0..<sample.count, depth: 0, nodes: &nodes, generator: &generator)
    }

    private mutating func grow(
        node: Int, sample: inout [Int32], range: Range<Int>, depth: Int, nodes: inout [RandomForest.Node],
        generator: inout SplitMix64
    ) {
        var total = 0.0
        for i in range { total += targets[Int(sample[i])] }
        let count = range.count
        let mean = total / Double(count)
        nodes[node].value = mean
        guard depth < maxDepth, count >= 2 * minLeaf else { return }

        // Partial Fisher–Yates: the first mtry entries of featureOrder are this node's features.
        for i in 0..<mtry {
            let j = i + Int(generator.next() % UInt64(featureCount - i))
            featureOrder.swapAt(i, j)
        }
        let parentScore = total * total / Double(count)
        var bestScore = parentScore + 1e-9 * abs(parentScore) + 1e-12
        var bestFeature = -1
        var bestBin = -1
        for k in 0..<mtry {
            let f = featureOrder[k]
            let binCount = thresholds[f].count
            if binCount < 2 { continue }
            for b in 0..<binCount {
                counts[b] = 0
                sums[b] = 0
            }
            let base = f * rowCount
            binned.withUnsafeBufferPointer { binned in
                targets.withUnsafeBufferPointer { targets in
                    for i in range {
                        let row = Int(sample[i])
                        let b = Int(binned[base + row])
                        counts[b] += 1
                        sums[b] += targets[row]
                    }
                }
            }
            var leftCount = 0
            var leftSum = 0.0
            for b in 0..<(binCount - 1) {
                leftCount += counts[b]
                leftSum += sums[b]
                let rightCount = count - leftCount
                if leftCount < minLeaf { continue }
                if rightCount < minLeaf { break }
                let rightSum = total - leftSum
                let score = leftSum * leftSum / Double(leftCount) + rightSum * rightSum / Double(rightCount)
                if score > bestScore {
                    bestScore = score
                    bestFeature = f
                    bestBin = b
                }
            }
        }
        guard bestFeature >= 0 else { return }

        // Partition the sample range: rows in bins <= bestBin first.
        let base = bestFeature * rowCount
        var lo = range.lowerBound
        var hi = range.upperBound - 1
        while lo <= hi {
            if Int(binned[base + Int(sample[lo])]) <= bestBin {
                lo += 1
            } else {
                sample.swapAt(lo, hi)
                hi -= 1
            }
        }
        let split = lo
        guard split > range.lowerBound, split < range.upperBound else { return }

        let left = nodes.count
        nodes.append(.init(feature: -1, left: -1, threshold: 0, value: 0))
        nodes.append(.init(feature: -1, left: -1, threshold: 0, value: 0))
        nodes[node].feature = Int32(bestFeature)
        nodes[node].left = Int32(left)
        nodes[node].threshold = thresholds[bestFeature][bestBin]
        grow(node: left, sample: &sample, range: range.lowerBound..<split, depth: depth + 1, nodes: &nodes, generator: &generator)
        grow(node: left + 1, sample: &sample, range: split..<range.upperBound, depth: depth + 1, nodes: &nodes, generator: &generator)
    }
}
