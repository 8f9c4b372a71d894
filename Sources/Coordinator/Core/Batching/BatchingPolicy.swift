/// How requests are grouped into batches and in which order batches are served. One
/// interface for the paper's baselines and ablations.
public struct BatchingPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How a new request joins the queue.
    public enum Assembly: Sendable, Hashable, Codable {
        /// First come, first served into batches of at most `size` (no length knowledge).
        case fixedSize(Int)
        /// Min-WMA insertion under the memory check and threshold Φ; `maxSize` caps β
        /// (nil = adaptive batch size).
        case wastedMemoryAccess(maxSize: Int?)
    }

    /// Which queued batch an idle worker gets.
    public enum Order: String, Sendable, Hashable, Codable {
        /// The batch whose oldest request arrived first.
        case firstComeFirstServed
        /// Highest response ratio next: (T_w + T_p) / T_p, with T_p from the estimator.
        case highestResponseRatio
    }

    public var name: String
    public var assembly: Assembly
    public var order: Order

    public init(name: String, assembly: Assembly, order: Order) {
        self.name = name
        self.assembly = assembly
        self.order = order
    }

    public var description: String { name }

    /// VS: FCFS at a fixed batch size.
    public static func vanilla(batchSize: Int) -> BatchingPolicy {
        .init(name: "VS-\(batchSize)", assembly: .fixedSize(batchSize), order: .firstComeFirstServed)
    }
    /// GLP: WMA batching with the predictor, at a fixed batch-size cap, FCFS.
    public static func glp(batchSize: Int) -> BatchingPolicy {
        .init(name: "GLP-\(batchSize)", assembly: .wastedMemoryAccess(maxSize: batchSize), order: .firstComeFirstServed)
    }
    /// ABP: WMA batching with adaptive batch size, FCFS.
    public static let abp = BatchingPolicy(name: "ABP", assembly: .wastedMemoryAccess(maxSize: nil), order: .firstComeFirstServed)
    /// Magnus: ABP plus the batch-time estimator and HRRN.
    public static let magnus = BatchingPolicy(name: "Magnus", assembly: .wastedMemoryAccess(maxSize: nil), order: .highestResponseRatio)

    /// Whether the policy uses predicted lengths at all.
    public var usesPredictions: Bool {
        if case .fixedSize = assembly { return false }
        return true
    }
}
