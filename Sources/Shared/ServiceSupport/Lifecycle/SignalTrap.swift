import Synchronization
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Turns SIGINT and SIGTERM into a callback on a dispatch queue (the default handlers are
/// disabled while the trap lives). The first signal asks for a graceful drain; executables
/// typically exit at once on a second one.
public final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    /// Installs the trap; `handler` receives the signal number and how many signals arrived so far.
    public init(signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (_ signal: Int32, _ count: Int) -> Void) {
        let queue = DispatchQueue(label: "magnus.signals")
        let counter = SignalCounter()
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number, counter.increment()) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}

/// Counts signals; only touched on the trap's serial queue, but guarded anyway.
private final class SignalCounter: Sendable {
    private let count = Mutex(0)
    func increment() -> Int { count.withLock { $0 += 1; return $0 } }
}
