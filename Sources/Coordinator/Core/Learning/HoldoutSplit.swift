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
}
