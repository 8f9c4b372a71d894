import Coordinator
import ServiceSupport
import Synchronization

/// Where the retraining thread leaves model updates for the service loop, which takes
/// them at the top of every iteration and swaps them into its scheduler on its own thread:
/// the scheduler never sees a half-built model and never waits for training.
public final class LearningMailbox: Sendable {
    private let updates = Mutex<[ModelUpdate]>([])

    public init() {}

    /// Leaves an update (any thread).
    public func post(_ update: ModelUpdate) {
        updates.withLock { $0.append(update) }
    }

    /// Takes every update left so far, oldest first (the service loop).
    /// - Complexity: O(1) when empty.
    public func drain() -> [ModelUpdate] {
        updates.withLock { updates in
            guard !updates.isEmpty else { return [] }
            defer { updates.removeAll() }
            return updates
        }
    }
}
