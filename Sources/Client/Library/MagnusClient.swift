import ServiceSupport
import Shared
import Transport

/// A client of the coordinator's client socket: submit, cancel, ping, and read replies.
/// One DEALER, owned by the thread that uses the client (not `Sendable`).
///
/// For load generation, `run(_:timeout:window:)` pipelines many submits and collects
/// their final answers.
public final class MagnusClient {
    public let endpoint: String
    private let socket: ZMQSocket
    /// The connection events until first contact (`contact(timeout:)`), when asked for.
    private var watch: ConnectionWatch?
    private let usesCurve: Bool

    /// Connects (asynchronously: the coordinator may start later; messages wait for it).
    /// - Parameters:
    ///   - context: share one context among many clients in a process; a new one by default.
    ///   - identity: a fixed routing id, so that a reconnecting client keeps its address.
    ///   - curve: this client's keypair and the coordinator's public key, when the
    ///     coordinator authenticates clients.
    ///   - watchConnection: record the connection events until `contact(timeout:)`, so that
    ///     a failed first contact says why (nobody there, key refused, security mismatch).
    public init(
        endpoint: String, context: ZMQContext? = nil, identity: String? = nil, curve: CurveClientKeys? = nil,
        watchConnection: Bool = false
    ) throws(ZMQError) {
        self.endpoint = endpoint
        usesCurve = curve != nil
        let context = if let context { context } else { try ZMQContext() }
        socket = try context.socket(.dealer, linger: 0)
        if let identity { try socket.setRoutingID(identity) }
        try curve?.apply(to: socket)
        try socket.setSendHighWaterMark(100_000)
        try socket.setReceiveHighWaterMark(100_000)
        if watchConnection { watch = try ConnectionWatch(socket) }
        try socket.connect(endpoint)
    }

    deinit { close() }

    /// Closes the socket; later calls trap.
    public func close() {
        watch?.stop()
        watch = nil
        socket.close()
    }

    // MARK: - Sending

    /// Sends a message (blocks while the send queue is full).
    public func send(_ message: ClientMessage) throws(ZMQError) {
        try socket.send([message.payload])
    }

    public func submit(_ submit: SubmitMessage) throws(ZMQError) { try send(.submit(submit)) }
    public func cancel(_ id: RequestID) throws(ZMQError) { try send(.cancel(CancelMessage(id: id))) }
    public func ping(nonce: String? = nil) throws(ZMQError) { try send(.ping(PingMessage(nonce: nonce))) }

    /// Sends arbitrary frames, for protocol tests and tools.
    public func sendRaw(_ frames: [[UInt8]]) throws(ZMQError) { try socket.send(frames) }

    // MARK: - Receiving

    /// The next reply, waiting at most `timeout` seconds (nil = forever); nil on timeout.
    /// - Throws: `ZMQError`, or `MagnusError` for a reply that does not decode.
    public func receive(timeout: Double?) throws -> CoordinatorReply? {
        guard let frames = try receiveRaw(timeout: timeout) else { return nil }
        return try CoordinatorReply.decode(frames.last ?? [])
    }

    /// The next raw message, waiting at most `timeout` seconds (nil = forever).
    public func receiveRaw(timeout: Double?) throws(ZMQError) -> [[UInt8]]? {
        if let frames = try socket.receive(dontWait: true) { return frames }
        var poller = ZMQPoller()
        poller.add(socket)
        let milliseconds = timeout.map { max(0, Int(($0 * 1000).rounded(.up))) }
        guard try !poller.poll(timeoutMilliseconds: milliseconds).isEmpty else { return nil }
        return try socket.receive(dontWait: true)
    }

    /// Sends a ping and waits for its pong.
    /// - Returns: the pong, or nil if none came within `timeout` seconds.
    public func ping(timeout: Double) throws -> PongMessage? {
        let nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try ping(nonce: nonce)
        let clock = MonotonicClock()
        while clock.now < timeout {
            guard let reply = try receive(timeout: timeout - clock.now) else { return nil }
            if case .pong(let pong) = reply, pong.nonce == nonce { return pong }
        }
        return nil
    }

    /// First contact: pings and waits for the pong, at most `timeout` seconds; call it before
    /// sending anything else (other replies meanwhile are dropped). With `watchConnection`, a
    /// refused key or a security mismatch ends the wait at once, and the error says which.
    /// - Throws: `ContactError` ("no coordinator answering at …", "authentication failed at
    ///   …"), or `ZMQError`.
    @discardableResult
    public func contact(timeout: Double = 5) throws -> PongMessage {
        defer {
            watch?.stop()
            watch = nil
        }
        let nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try ping(nonce: nonce)
        let clock = MonotonicClock()
        while clock.now < timeout {
            if let reply = try receive(timeout: min(0.05, max(0, timeout - clock.now))) {
                if case .pong(let pong) = reply, pong.nonce == nonce { return pong }
                continue
            }
            try watch?.update()
            if watch?.report.isDecisive == true { break }
        }
        try watch?.update()
        let report = watch?.report ?? ContactReport()
        throw ContactError(
            endpoint: endpoint, report: report,
            description: report.failure(endpoint: endpoint, waited: timeout, role: .client, usingCurve: usesCurve))
    }

    // MARK: - Load

    /// Submits every request, keeping at most `window` without a final answer, and collects
    /// the answers until all are final or `timeout` seconds pass.
    /// - Complexity: O(n) messages.
    public func run(_ submits: [SubmitMessage], timeout: Double, window: Int = 1000) throws -> ClientRun {
        precondition(window >= 1)
        let clock = MonotonicClock()
        var run = ClientRun()
        var next = 0
        var outstanding = Set<RequestID>()
        let wanted = Set(submits.map(\.id))
        while (next < submits.count || !outstanding.isEmpty) && clock.now < timeout {
            while next < submits.count && outstanding.count < window {
                guard try socket.send([ClientMessage.submit(submits[next]).payload], dontWait: true) else { break }
                outstanding.insert(submits[next].id)
                next += 1
            }
            let wait = next < submits.count && outstanding.count < window ? 0.001 : min(0.1, max(0, timeout - clock.now))
            guard let reply = try receive(timeout: wait) else { continue }
            run.record(reply, wanted: wanted)
            if reply.isFinal, let id = reply.requestID { outstanding.remove(id) }
        }
        // Anything arriving shortly after (a duplicate answer would) is counted too.
        while let reply = try receive(timeout: 0) { run.record(reply, wanted: wanted) }
        run.unanswered = wanted.subtracting(run.answers.keys)
        run.seconds = clock.now
        return run
    }
}

/// What `MagnusClient.run` saw.
public struct ClientRun: Sendable {
    /// The first final answer of each request.
    public var answers: [RequestID: CoordinatorReply] = [:]
    /// Requests that got more than one final answer, with the count of extra ones.
    public var duplicates: [RequestID: Int] = [:]
    /// Final answers for ids that were never submitted in this run.
    public var strays: [RequestID] = []
    /// `accepted` replies received.
    public var accepted = 0
    /// Errors without a request id (protocol errors).
    public var protocolErrors: [ErrorMessage] = []
    /// Submitted requests without a final answer at the end.
    public var unanswered: Set<RequestID> = []
    /// Wall-clock seconds the run took.
    public var seconds = 0.0
    /// The text streamed so far (`partial` replies) of each request submitted with `stream`.
    public var streamed: [RequestID: StreamedText] = [:]

    /// Results (as opposed to error answers).
    public var results: [ResultMessage] {
        answers.values.compactMap { if case .result(let result) = $0 { result } else { nil } }
    }

    public init() {}

    /// Files one reply: counts acceptances and protocol errors, joins streamed pieces, keeps
    /// the first final answer of each wanted request, counts repeats as duplicates and unknown
    /// ids as strays.
    public mutating func record(_ reply: CoordinatorReply, wanted: Set<RequestID>) {
        if case .accepted = reply { accepted += 1 }
        if case .error(let error) = reply, error.id == nil { protocolErrors.append(error) }
        if case .partial(let partial) = reply, wanted.contains(partial.id) {
            _ = streamed[partial.id, default: StreamedText()].add(partial)
        }
        guard reply.isFinal, let id = reply.requestID else { return }
        guard wanted.contains(id) else {
            strays.append(id)
            return
        }
        if answers[id] == nil {
            answers[id] = reply
        } else {
            duplicates[id, default: 0] += 1
        }
    }
}
