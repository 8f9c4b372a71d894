/// Recent logged rows split by time: the older part may be trained on, the newest part
/// (`holdout`) only measures the candidate and the model in service.
public struct HoldoutSplit<Row: Sendable>: Sendable {
    public var training: [Row]
    public var holdout: [Row]

    /// Splits rows given oldest first: the newest max(`minimumHoldout`, ⌈fraction · n⌉)
    /// rows are held out. Nil when that leaves nothing to train on.
    public init?(oldestFirst rows: [Row], fraction: Double, minimumHoldout: Int) {
        let wanted = Int((Double(rows.count) * min(max(fraction, 0), 1)).rounded(.up))
        let holdoutCount = max(minimumHoldout, wanted, 1)
        guard rows.count > holdoutCount else { return nil }
        training = Array(rows[..<(rows.count - holdoutCount)])
        holdout = Array(rows[(rows.count - holdoutCount)...])
    }

    /// The newest `policy.recentRowLimit` of `recent` (any order), split by the policy's
    /// holdout rule; nil, with the reason, when there are too few to train on.
    /// - Complexity: O(n log n) to order the rows by log position.
    public static func ofRecent(
        _ recent: [Row], policy: RetrainingPolicy, rows noun: String, position: (Row) -> Int64
    ) -> Result<HoldoutSplit, RetrainingSkip> {
        let window = recent.sorted { position($0) < position($1) }.suffix(max(1, policy.recentRowLimit))
        guard
            let split = HoldoutSplit(
                oldestFirst: Array(window), fraction: policy.holdoutFraction, minimumHoldout: policy.minimumHoldoutRows)
        else {
            return .failure(
                RetrainingSkip(
                    reason: "\(window.count) logged \(noun): too few to hold out \(policy.minimumHoldoutRows) and train on the rest"))
        }
        return .success(split)
    }
}

/// Why a retraining run trained no candidate.
public struct RetrainingSkip: Error, Sendable, Hashable {
    public var reason: String
}
