import Shared

/// What the batch-time estimator sees of a batch: (β, L(B), G'(B)).
public struct BatchFeatures: Sendable, Hashable, Codable {
    public var batchSize: Int
    public var maxInput: Int
    public var maxGeneration: Int

    public init(batchSize: Int, maxInput: Int, maxGeneration: Int) {
        self.batchSize = batchSize
        self.maxInput = maxInput
        self.maxGeneration = maxGeneration
    }

    var vector: (Double, Double, Double) { (Double(batchSize), Double(maxInput), Double(maxGeneration)) }
}

/// Estimates how long a worker takes to serve a batch (T_p for HRRN).
public protocol BatchTimeEstimating: Sendable {
    func estimate(_ batch: BatchFeatures) -> Seconds
}
