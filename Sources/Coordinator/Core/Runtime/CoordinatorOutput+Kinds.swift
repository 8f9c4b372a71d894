extension CoordinatorOutput {
    /// Whether this is a batch sent to a worker (a dispatch).
    public var isBatch: Bool {
        if case .worker(_, .batch) = self { return true }
        return false
    }
}
