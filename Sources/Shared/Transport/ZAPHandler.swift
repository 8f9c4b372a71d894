import Dispatch
import Foundation
import Synchronization

/// A ZAP authentication handler (ZeroMQ RFC 27) on its own thread: one REP socket bound at
/// `inproc://zeromq.zap.01` of a context, answering every handshake of that context's secured
/// sockets with `authorize`'s decision. Only this thread touches the REP socket.
///
/// Create it before binding the sockets it guards: libzmq lets a CURVE peer in without asking
/// when no handler is bound, unless the socket enforces the domain
/// (`setZAPEnforceDomain(true)`). `stop()` ends the thread and closes its socket; call it
/// before dropping the context.
public final class ZAPHandler: Sendable {
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var stopRequested = false
        var allowed = 0
        var denied = 0
    }

    /// Binds the handler socket on a new thread and starts answering.
    /// - Parameter authorize: decides each request; called on the handler thread, so it must
    ///   be quick (it delays the peer's handshake) and must not block.
    /// - Throws: `ZMQError` if the socket cannot be bound (e.g. another handler is bound on
    ///   this context: `.addressInUse`).
    public init(context: ZMQContext, authorize: @escaping @Sendable (ZAPRequest) -> ZAPDecision) throws(ZMQError) {
        let bound = DispatchSemaphore(value: 0)
        let result = Mutex<ZMQError?>(nil)
        let thread = Thread { [self] in
            defer { finished.signal() }
            let socket: ZMQSocket
            do throws(ZMQError) {
                socket = try context.socket(.rep, linger: 0)
                try socket.bind(ZAPRequest.endpoint)
            } catch {
                result.withLock { $0 = error }
                bound.signal()
                return
            }
            bound.signal()
            serve(socket, authorize)
            socket.close()
        }
        thread.name = "magnus-zap"
        thread.start()
        bound.wait()
        if let error = result.withLock({ $0 }) { throw error }
    }

    /// Handshakes allowed and denied so far.
    public var counts: (allowed: Int, denied: Int) {
        state.withLock { ($0.allowed, $0.denied) }
    }

    /// Ends the handler thread and waits for it (at most one poll interval, 100 ms). Afterwards
    /// new handshakes on sockets that enforce the domain fail. Idempotent.
    public func stop() {
        state.withLock { $0.stopRequested = true }
        finished.wait()
        finished.signal()
    }

    private func serve(_ socket: ZMQSocket, _ authorize: @Sendable (ZAPRequest) -> ZAPDecision) {
        var poller = ZMQPoller()
        poller.add(socket)
        do {
            while !state.withLock({ $0.stopRequested }) {
                guard try !poller.poll(timeoutMilliseconds: 100).isEmpty, let frames = try socket.receive(dontWait: true) else {
                    continue
                }
                // A REP socket must answer every request; a garbled one is denied.
                let decision: ZAPDecision
                let reply: [[UInt8]]
                if let request = ZAPRequest(frames: frames) {
                    decision = authorize(request)
                    reply = request.reply(decision)
                } else {
                    decision = .deny(reason: "malformed ZAP request")
                    reply = [Array("1.0".utf8), frames.count > 1 ? frames[1] : [], Array("500".utf8), Array("malformed ZAP request".utf8), [], []]
                }
                state.withLock {
                    if case .allow = decision { $0.allowed += 1 } else { $0.denied += 1 }
                }
                try socket.send(reply)
            }
        } catch {
            // The context was shut down: nothing left to guard.
        }
    }
}
