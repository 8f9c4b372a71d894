import Dispatch
import Synchronization

/// A typed first-in first-out queue between threads: values cross as they are, without
/// encoding. `send` never blocks; `receive` blocks until a value arrives (or a timeout);
/// `takeAll` takes what is there without waiting (for a reader woken another way, such as
/// a ZeroMQ poll). Thread-safe.
public final class ThreadChannel<Element: Sendable>: Sendable {
    private let queue = Mutex<[Element]>([])
    /// One signal per value sent (a `takeAll` leaves extra signals, which `receive` skips).
    private let available = DispatchSemaphore(value: 0)

    public init() {}

    /// Appends `value` and wakes one waiting `receive`.
    public func send(_ value: Element) {
        queue.withLock { $0.append(value) }
        available.signal()
    }

    /// The oldest value, waiting for one up to `timeout` seconds (nil: no limit).
    /// - Returns: nil on timeout.
    /// - Complexity: O(n) in the values queued (they are few).
    public func receive(timeout: Double? = nil) -> Element? {
        let deadline = timeout.map { DispatchTime.now() + max(0, $0) }
        while true {
            if let deadline {
                guard available.wait(timeout: deadline) == .success else { return nil }
            } else {
                available.wait()
            }
            let value = queue.withLock { queue in queue.isEmpty ? nil : queue.removeFirst() }
            if let value { return value }
        }
    }

    /// Takes every queued value, oldest first, without waiting.
    /// - Complexity: O(1) when empty.
    public func takeAll() -> [Element] {
        queue.withLock { queue in
            guard !queue.isEmpty else { return [] }
            defer { queue.removeAll() }
            return queue
        }
    }
}
