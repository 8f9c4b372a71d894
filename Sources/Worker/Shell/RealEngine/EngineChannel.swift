#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ServiceSupport
import Transport

/// The worker's end of one engine process's socket: a REQ socket connected to the engine's
/// `ipc://` REP endpoint. One request, one reply, strictly alternating; a request that gets no
/// reply leaves the REQ socket unusable, so after any failure the caller closes the channel
/// (and ends the process). Not `Sendable`: used by one thread at a time, under the engine's lock.
final class EngineChannel {
    /// The endpoint it is connected to.
    let endpoint: String
    private let socket: ZMQSocket

    /// How often, while waiting for a reply, the process is checked for having ended.
    static let livenessCheckMilliseconds = 100

    /// Connects to `endpoint`. libzmq connects in the background and retries, so the engine
    /// may bind after this returns; the first request is delivered once it has.
    init(context: ZMQContext, endpoint: String) throws(ZMQError) {
        self.endpoint = endpoint
        socket = try context.socket(.req, linger: 0)
        try socket.setMaxMessageSize(nil)
        try socket.connect(endpoint)
    }

    /// Sends `payload` and waits up to `timeout` seconds for the reply, checking every
    /// `livenessCheckMilliseconds` whether the process has ended (`ended` returns how, or nil).
    /// - Complexity: O(n) in the message sizes, plus the wait.
    func exchange(_ payload: [UInt8], timeout: Double, ended: () -> String?) throws(EngineChannelFailure) -> [UInt8] {
        let clock = MonotonicClock()
        // A REQ socket with no connected peer yet cannot queue: wait for the peer like for
        // the reply.
        while try !transport({ () throws(ZMQError) in try socket.send([payload], dontWait: true) }) {
            if let how = ended() { throw .processEnded(how) }
            guard clock.now < timeout else { throw .timedOut(seconds: timeout) }
            usleep(UInt32(Self.livenessCheckMilliseconds * 1000))
        }
        var poller = ZMQPoller()
        poller.add(socket)
        while true {
            let left = timeout - clock.now
            guard left > 0 else { throw .timedOut(seconds: timeout) }
            let slice = min(Self.livenessCheckMilliseconds, Int((left * 1000).rounded(.up)))
            let ready = try transport { () throws(ZMQError) in try !poller.poll(timeoutMilliseconds: slice).isEmpty }
            if ready, let frames = try transport({ () throws(ZMQError) in try socket.receive(dontWait: true) }) {
                return frames.last ?? []
            }
            if let how = ended() { throw .processEnded(how) }
        }
    }

    private func transport<T>(_ body: () throws(ZMQError) -> T) throws(EngineChannelFailure) -> T {
        do {
            return try body()
        } catch {
            throw .transport(error)
        }
    }

    /// Closes the socket (pending messages are dropped).
    func close() { socket.close() }
}
