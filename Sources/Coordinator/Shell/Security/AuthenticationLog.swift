import ServiceSupport
import Synchronization
import Transport

/// Logs ZAP denials without flooding: the first denial of each peer key (or mechanism) in a
/// domain at warning level, repeats at debug level (a refused peer reconnects every few
/// hundred milliseconds). Thread-safe: called from the ZAP handler thread.
public final class AuthenticationLog: Sendable {
    private let log: ServiceLog
    private let seen = Mutex<Set<String>>([])

    public init(log: ServiceLog) { self.log = log }

    /// Decides with `security` and logs the outcome.
    public func authorize(_ request: ZAPRequest, with security: CoordinatorSecurity) -> ZAPDecision {
        let decision = security.authorize(request)
        let key = request.curvePublicKey.map { ZMQCurve.z85Encode($0) } ?? request.mechanism
        switch decision {
        case .allow(let name):
            log(.debug, "authenticated \(name) on \(request.domain) (\(request.address.isEmpty ? "local" : request.address))")
        case .deny(let reason):
            // Bounded: a peer trying random keys cannot grow the set without end.
            let first = seen.withLock { $0.count < 10_000 && $0.insert(request.domain + " " + key).inserted }
            log(
                first ? .warning : .debug,
                "refused a \(request.domain) connection from \(request.address.isEmpty ? "a local peer" : request.address), key \(key): \(reason)")
        }
        return decision
    }
}
