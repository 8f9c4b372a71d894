extension RandomForest.Node {
    /// A node from its stored fields, for decoding a persisted forest (the memberwise
    /// initializer is internal to this module).
    public static func stored(feature: Int32, left: Int32, threshold: Double, value: Double) -> RandomForest.Node {
        RandomForest.Node(feature: feature, left: left, threshold: threshold, value: value)
    }
}
