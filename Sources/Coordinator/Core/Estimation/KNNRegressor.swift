/// K-nearest-neighbour regression on three features, each standardised by its spread in the
/// training data; the prediction is the mean target of the k nearest samples.
public struct KNNRegressor: Sendable {
    public let k: Int
    private let points: [(Double, Double, Double)]
    private let targets: [Double]
    private let scale: (Double, Double, Double)

    public init(k: Int, points: [(Double, Double, Double)], targets: [Double]) {
        precondition(k > 0 && points.count == targets.count)
        self.k = k
        self.points = points
        self.targets = targets
        func spread(_ values: [Double]) -> Double {
            guard values.count > 1 else { return 1 }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return variance > 0 ? 1 / variance.squareRoot() : 1
        }
        scale = (spread(points.map(\.0)), spread(points.map(\.1)), spread(points.map(\.2)))
    }

    public var sampleCount: Int { points.count }

    /// Indices of the k nearest samples, nearest first (ties by index).
    /// - Complexity: O(n · k).
    public func neighbours(of query: (Double, Double, Double)) -> [Int] {
        var best: [(distance: Double, index: Int)] = []
        best.reserveCapacity(k + 1)
        for (index, point) in points.enumerated() {
            let d0 = (point.0 - query.0) * scale.0
            let d1 = (point.1 - query.1) * scale.1
            let d2 = (point.2 - query.2) * scale.2
            let distance = d0 * d0 + d1 * d1 + d2 * d2
            if best.count == k, distance >= best[k - 1].distance { continue }
            var position = best.count
            while position > 0 && best[position - 1].distance > distance { position -= 1 }
            best.insert((distance, index), at: position)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.index)
    }

    /// Mean target of the k nearest samples; nil with no samples.
    public func predict(_ query: (Double, Double, Double)) -> Double? {
        let indices = neighbours(of: query)
        guard !indices.isEmpty else { return nil }
        return indices.reduce(0) { $0 + targets[$1] } / Double(indices.count)
    }
}
