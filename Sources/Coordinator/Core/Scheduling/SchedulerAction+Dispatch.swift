extension Array where Element == SchedulerAction {
    /// The batch a `Scheduler.dispatch` handed out, if it handed one out.
    /// - Complexity: O(actions).
    public var dispatchedBatch: DispatchedBatch? {
        for case .dispatched(let batch) in self { return batch }
        return nil
    }
}
