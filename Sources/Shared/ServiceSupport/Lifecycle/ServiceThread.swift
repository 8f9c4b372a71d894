import Dispatch
import Foundation
import Synchronization

/// One dedicated thread running one service body (a socket loop, the journal, retraining),
/// with the lifecycle every service needs around it: a start handshake (`reportStarted` /
/// `waitForStart`), drain and stop requests the body polls, a wake-up the body can sleep on
/// (`waitForWake`), and `join` with how the body ended. Blocking calls (ZeroMQ polls,
/// SQLite) belong on such a thread, never on Swift's shared task threads.
///
/// Thread-safe: every method may be called from any thread. `Started` is what the body
/// hands the starter once it is ready (bound endpoints, recovered state); `Value` is what
/// it returns (an exit status, or nothing).
public final class ServiceThread<Started: Sendable, Value: Sendable>: Sendable {
    /// How the body ended.
    public enum Ending: Sendable {
        /// The body returned this value.
        case returned(Value)
        /// The body threw this error.
        case threw(any Error)
    }

    /// The thread's name (shown by debuggers and `top -H`; Linux keeps its first 15 bytes).
    public let name: String
    private let state = Mutex(State())
    /// Signalled once: when the body reports its start or ends, whichever comes first.
    private let settled = DispatchSemaphore(value: 0)
    /// Signalled once, when the body has ended.
    private let finished = DispatchSemaphore(value: 0)
    /// Signalled by `wake()` and by every request; the body sleeps on it.
    private let doorbell = DispatchSemaphore(value: 0)

    private struct State: Sendable {
        var launched = false
        var drainRequested = false
        var stopRequested = false
        var started: Started?
        var settled = false
        var ending: Ending?
    }

    /// A thread not started yet; requests made before `start` are kept for the body.
    public init(name: String) {
        self.name = name
    }

    /// Starts the thread running `body`, which receives this object to poll requests, report
    /// its start and sleep. At most once per object.
    public func start(_ body: @escaping @Sendable (ServiceThread) throws -> Value) {
        let first = state.withLock { state in
            defer { state.launched = true }
            return !state.launched
        }
        precondition(first, "service thread \(name) started twice")
        let thread = Thread { [self] in
            // Named from inside: on Linux a name set before `start` does not reach the OS
            // thread, and one longer than 15 bytes is refused.
            Thread.current.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
            let ending: Ending
            do {
                ending = .returned(try body(self))
            } catch {
                ending = .threw(error)
            }
            let settle = state.withLock { state in
                state.ending = ending
                defer { state.settled = true }
                return !state.settled
            }
            if settle { settled.signal() }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    // MARK: - Starting

    /// Called by the body once it is ready: hands `value` to `waitForStart`. Only the first
    /// report counts.
    public func reportStarted(_ value: Started) {
        let settle = state.withLock { state in
            guard !state.settled else { return false }
            state.started = value
            state.settled = true
            return true
        }
        if settle { settled.signal() }
    }

    /// Blocks until the body has reported its start or ended, whichever comes first.
    /// - Returns: the reported value; nil when the body ended without reporting (`join`
    ///   tells how) or the thread was never started.
    public func waitForStart() -> Started? {
        guard state.withLock({ $0.launched }) else { return nil }
        settled.wait()
        settled.signal()
        return state.withLock { $0.started }
    }

    // MARK: - Requests

    /// Asks the body to drain: finish what it has, then end. Wakes it. Idempotent.
    public func requestDrain() {
        state.withLock { $0.drainRequested = true }
        doorbell.signal()
    }

    /// Asks the body to end at once. Wakes it. Idempotent.
    public func requestStop() {
        state.withLock { $0.stopRequested = true }
        doorbell.signal()
    }

    /// Whether a drain was requested (the body polls this; cheap: one lock).
    public var isDrainRequested: Bool { state.withLock { $0.drainRequested } }

    /// Whether a stop was requested (the body polls this; cheap: one lock).
    public var isStopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Wakes the body if it sleeps in `waitForWake`, else makes its next call return at once.
    public func wake() {
        doorbell.signal()
    }

    /// Called by the body: sleeps until `wake()` or a request (each one wakes one call), or
    /// until `timeout` seconds pass (nil: no limit).
    /// - Returns: true when woken, false on timeout.
    @discardableResult
    public func waitForWake(timeout: Double? = nil) -> Bool {
        guard let timeout else {
            doorbell.wait()
            return true
        }
        return doorbell.wait(timeout: .now() + max(0, timeout)) == .success
    }

    // MARK: - Ending

    /// Blocks until the body has ended, or `timeout` seconds pass (nil: no limit).
    /// - Returns: how the body ended; nil on timeout or when the thread was never started.
    @discardableResult
    public func join(timeout: Double? = nil) -> Ending? {
        guard state.withLock({ $0.launched }) else { return nil }
        if let timeout {
            guard finished.wait(timeout: .now() + max(0, timeout)) == .success else { return nil }
        } else {
            finished.wait()
        }
        finished.signal()
        return state.withLock { $0.ending }
    }

    /// How the body ended, without waiting; nil while it runs (or before it starts).
    public var ending: Ending? { state.withLock { $0.ending } }
}

extension ServiceThread where Started == Void {
    /// Called by the body once it is ready (nothing to hand over).
    public func reportStarted() { reportStarted(()) }
}
