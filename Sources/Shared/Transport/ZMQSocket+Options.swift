import CZeroMQ

// Typed socket options. Setters throw `ZMQError` (`.invalidArgument` for a value libzmq
// rejects, `.contextTerminated` after shutdown); values that are out of range for libzmq's
// C types are programmer errors and trap. Most options only affect connections and binds
// made after they are set, so set them before `bind`/`connect`.
extension ZMQSocket {
    // MARK: Lifetime

    /// Sets `ZMQ_LINGER`: how long `close()` keeps unsent messages. `nil` waits forever.
    public func setLinger(milliseconds: Int?) throws(ZMQError) {
        try setOption(ZMQ_LINGER, milliseconds.map { int32($0, "linger") } ?? -1)
    }

    /// `ZMQ_LINGER` in milliseconds; `nil` means forever.
    public var linger: Int? {
        get throws(ZMQError) { optionalMilliseconds(try intOption(ZMQ_LINGER)) }
    }

    // MARK: Identity

    /// Sets `ZMQ_ROUTING_ID`, the id a ROUTER peer sees for this socket's future connections.
    /// Must be 1...255 bytes and must not start with a zero byte (reserved by libzmq).
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        precondition((1...255).contains(id.count), "routing id must be 1...255 bytes")
        precondition(id[0] != 0, "routing ids starting with a zero byte are reserved")
        try setOption(ZMQ_ROUTING_ID, bytes: id)
    }

    /// Sets `ZMQ_ROUTING_ID` from a UTF-8 string; see `setRoutingID(_:)` for `[UInt8]`.
    public func setRoutingID(_ id: String) throws(ZMQError) {
        try setRoutingID(Array(id.utf8))
    }

    /// `ZMQ_ROUTING_ID`; empty if none was set.
    public var routingID: [UInt8] {
        get throws(ZMQError) { try bytesOption(ZMQ_ROUTING_ID, capacity: 255) }
    }

    // MARK: Queues and limits

    /// Sets `ZMQ_SNDHWM`: messages queued per peer before sends block or drop. `0` is unlimited.
    public func setSendHighWaterMark(_ messages: Int) throws(ZMQError) {
        precondition(messages >= 0, "high-water mark cannot be negative")
        try setOption(ZMQ_SNDHWM, int32(messages, "send high-water mark"))
    }

    /// `ZMQ_SNDHWM` in messages; `0` is unlimited.
    public var sendHighWaterMark: Int {
        get throws(ZMQError) { Int(try intOption(ZMQ_SNDHWM)) }
    }

    /// Sets `ZMQ_RCVHWM`: messages queued per peer on the receiving side. `0` is unlimited.
    public func setReceiveHighWaterMark(_ messages: Int) throws(ZMQError) {
        precondition(messages >= 0, "high-water mark cannot be negative")
        try setOption(ZMQ_RCVHWM, int32(messages, "receive high-water mark"))
    }

    /// `ZMQ_RCVHWM` in messages; `0` is unlimited.
    public var receiveHighWaterMark: Int {
        get throws(ZMQError) { Int(try intOption(ZMQ_RCVHWM)) }
    }

    /// Sets `ZMQ_RCVTIMEO`: how long a blocking `receive` waits before returning `nil`.
    /// `nil` blocks forever; `0` behaves like `dontWait`.
    public func setReceiveTimeout(milliseconds: Int?) throws(ZMQError) {
        try setOption(ZMQ_RCVTIMEO, milliseconds.map { int32($0, "receive timeout") } ?? -1)
    }

    /// `ZMQ_RCVTIMEO` in milliseconds; `nil` means forever.
    public var receiveTimeout: Int? {
        get throws(ZMQError) { optionalMilliseconds(try intOption(ZMQ_RCVTIMEO)) }
    }

    /// Sets `ZMQ_SNDTIMEO`: how long a blocking `send` waits before returning `false`.
    /// `nil` blocks forever; `0` behaves like `dontWait`.
    public func setSendTimeout(milliseconds: Int?) throws(ZMQError) {
        try setOption(ZMQ_SNDTIMEO, milliseconds.map { int32($0, "send timeout") } ?? -1)
    }

    /// `ZMQ_SNDTIMEO` in milliseconds; `nil` means forever.
    public var sendTimeout: Int? {
        get throws(ZMQError) { optionalMilliseconds(try intOption(ZMQ_SNDTIMEO)) }
    }

    /// Sets `ZMQ_MAXMSGSIZE`, the largest inbound frame in bytes; `nil` is unlimited. The
    /// limit applies to each frame separately, not to a multipart message's total. A peer that sends a larger message is not merely refused it: libzmq drops
    /// that peer's whole connection, losing the message and anything queued behind it on the
    /// connection; the peer may then reconnect. Nothing is reported to either application.
    public func setMaxMessageSize(_ bytes: Int?) throws(ZMQError) {
        if let bytes { precondition(bytes >= 0, "maximum message size cannot be negative") }
        try setOption(ZMQ_MAXMSGSIZE, int64: Int64(bytes ?? -1))
    }

    /// `ZMQ_MAXMSGSIZE` in bytes; `nil` is unlimited.
    public var maxMessageSize: Int? {
        get throws(ZMQError) {
            let value = try int64Option(ZMQ_MAXMSGSIZE)
            return value < 0 ? nil : Int(value)
        }
    }

    // MARK: Routing behaviour

    /// Adds a SUB subscription: receive messages whose first frame starts with `prefix`
    /// (empty = everything). A SUB socket receives nothing until it subscribes.
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        precondition(kind == .sub, "subscribe requires a SUB socket, not \(kind)")
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix)
    }

    /// Adds a SUB subscription for a UTF-8 prefix.
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try subscribe(Array(prefix.utf8))
    }

    /// Removes one matching `subscribe` (subscriptions are counted).
    public func unsubscribe(_ prefix: [UInt8]) throws(ZMQError) {
        precondition(kind == .sub, "unsubscribe requires a SUB socket, not \(kind)")
        try setOption(ZMQ_UNSUBSCRIBE, bytes: prefix)
    }

    /// Removes one matching `subscribe` of a UTF-8 prefix.
    public func unsubscribe(_ prefix: String) throws(ZMQError) {
        try unsubscribe(Array(prefix.utf8))
    }

    /// Sets `ZMQ_ROUTER_MANDATORY` on a ROUTER: sending to an unknown routing id throws
    /// `ZMQError.hostUnreachable` instead of silently dropping, and a full peer queue makes
    /// sends block (or return `false` with `dontWait`) instead of dropping.
    public func setRouterMandatory(_ enabled: Bool) throws(ZMQError) {
        precondition(kind == .router, "routerMandatory requires a ROUTER socket, not \(kind)")
        try setOption(ZMQ_ROUTER_MANDATORY, enabled ? 1 : 0)
    }

    /// Sets `ZMQ_IMMEDIATE`: queue outbound messages only on completed connections, so sends
    /// block (or fail with `dontWait`) while no peer is connected instead of queueing for a
    /// peer that may never come.
    public func setImmediate(_ enabled: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, enabled ? 1 : 0)
    }

    /// Sets `ZMQ_RECONNECT_IVL`: delay before reconnecting a dropped connection (default 100 ms);
    /// `nil` disables reconnection.
    public func setReconnectInterval(milliseconds: Int?) throws(ZMQError) {
        try setOption(ZMQ_RECONNECT_IVL, milliseconds.map { int32($0, "reconnect interval") } ?? -1)
    }

    // MARK: Liveness

    /// Sets `ZMQ_HEARTBEAT_IVL`: send a ZMTP PING every interval; `0` (default) disables.
    public func setHeartbeatInterval(milliseconds: Int) throws(ZMQError) {
        precondition(milliseconds >= 0, "heartbeat interval cannot be negative")
        try setOption(ZMQ_HEARTBEAT_IVL, int32(milliseconds, "heartbeat interval"))
    }

    /// Sets `ZMQ_HEARTBEAT_TIMEOUT`: drop the connection if nothing arrives this long after a
    /// PING. Defaults to the heartbeat interval.
    public func setHeartbeatTimeout(milliseconds: Int) throws(ZMQError) {
        precondition(milliseconds >= 0, "heartbeat timeout cannot be negative")
        try setOption(ZMQ_HEARTBEAT_TIMEOUT, int32(milliseconds, "heartbeat timeout"))
    }

    /// Sets `ZMQ_HEARTBEAT_TTL`: asks the peer to drop the connection if it hears nothing from
    /// us for this long. libzmq keeps it in whole deciseconds (rounding down), at most 6553599 ms.
    public func setHeartbeatTTL(milliseconds: Int) throws(ZMQError) {
        precondition((0...6_553_599).contains(milliseconds), "heartbeat TTL must be 0...6553599 ms")
        try setOption(ZMQ_HEARTBEAT_TTL, int32(milliseconds, "heartbeat TTL"))
    }

    /// Configures TCP keepalive (`ZMQ_TCP_KEEPALIVE*`) for future TCP connections.
    /// `nil` for any argument leaves the operating-system default.
    /// - Parameters:
    ///   - enabled: turn `SO_KEEPALIVE` on or off.
    ///   - idleSeconds: idle time before the first probe (`TCP_KEEPIDLE`).
    ///   - intervalSeconds: time between probes (`TCP_KEEPINTVL`).
    ///   - count: unanswered probes before the connection is dropped (`TCP_KEEPCNT`).
    public func setTCPKeepalive(
        _ enabled: Bool?, idleSeconds: Int? = nil, intervalSeconds: Int? = nil, count: Int? = nil
    ) throws(ZMQError) {
        try setOption(ZMQ_TCP_KEEPALIVE, enabled.map { $0 ? 1 : 0 } ?? -1)
        try setOption(ZMQ_TCP_KEEPALIVE_IDLE, idleSeconds.map { int32($0, "keepalive idle") } ?? -1)
        try setOption(ZMQ_TCP_KEEPALIVE_INTVL, intervalSeconds.map { int32($0, "keepalive interval") } ?? -1)
        try setOption(ZMQ_TCP_KEEPALIVE_CNT, count.map { int32($0, "keepalive count") } ?? -1)
    }

    // MARK: Security

    /// Sets `ZMQ_CURVE_SERVER`: act as a CURVE server (also set `setCurveSecretKey`).
    /// Without a ZAP handler on the context every client that knows the server key is accepted.
    public func setCurveServer(_ enabled: Bool) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, enabled ? 1 : 0)
    }

    /// Sets `ZMQ_CURVE_PUBLICKEY` (client's own long-term public key) from 40-character Z85.
    public func setCurvePublicKey(_ z85: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(z85.utf8))
    }

    /// Sets `ZMQ_CURVE_PUBLICKEY` from 32 raw bytes.
    public func setCurvePublicKey(_ key: [UInt8]) throws(ZMQError) {
        precondition(key.count == 32, "a raw CURVE key is 32 bytes")
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: key)
    }

    /// Sets `ZMQ_CURVE_SECRETKEY` (own long-term secret key; servers and clients) from Z85.
    public func setCurveSecretKey(_ z85: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(z85.utf8))
    }

    /// Sets `ZMQ_CURVE_SECRETKEY` from 32 raw bytes.
    public func setCurveSecretKey(_ key: [UInt8]) throws(ZMQError) {
        precondition(key.count == 32, "a raw CURVE key is 32 bytes")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: key)
    }

    /// Sets `ZMQ_CURVE_SERVERKEY` (the server's public key; makes this socket a CURVE client)
    /// from Z85. A client with the wrong server key never completes the handshake.
    public func setCurveServerKey(_ z85: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(z85.utf8))
    }

    /// Sets `ZMQ_CURVE_SERVERKEY` from 32 raw bytes.
    public func setCurveServerKey(_ key: [UInt8]) throws(ZMQError) {
        precondition(key.count == 32, "a raw CURVE key is 32 bytes")
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: key)
    }

    /// Configures this socket as a CURVE server with its secret key.
    public func makeCurveServer(secretKey: String) throws(ZMQError) {
        try setCurveServer(true)
        try setCurveSecretKey(secretKey)
    }

    /// Configures this socket as a CURVE client of the server with public key `serverKey`,
    /// authenticating with its own keypair (all Z85).
    public func makeCurveClient(serverKey: String, publicKey: String, secretKey: String) throws(ZMQError) {
        try setCurveServerKey(serverKey)
        try setCurvePublicKey(publicKey)
        try setCurveSecretKey(secretKey)
    }

    /// Sets `ZMQ_ZAP_DOMAIN`, passed to the context's ZAP handler to pick a security domain.
    /// At most 254 bytes.
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8))
    }

    /// `ZMQ_ZAP_DOMAIN`; empty if unset.
    public var zapDomain: String {
        get throws(ZMQError) {
            let bytes = try bytesOption(ZMQ_ZAP_DOMAIN, capacity: 256)
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    // MARK: Raw access

    /// Sets an `int` option.
    func setOption(_ name: CInt, _ value: CInt) throws(ZMQError) {
        let handle = openHandle
        var value = value
        _ = try ZMQError.check { zmq_setsockopt(handle, name, &value, MemoryLayout<CInt>.size) }
    }

    /// Sets an `int64_t` option.
    func setOption(_ name: CInt, int64 value: Int64) throws(ZMQError) {
        let handle = openHandle
        var value = value
        _ = try ZMQError.check { zmq_setsockopt(handle, name, &value, MemoryLayout<Int64>.size) }
    }

    /// Sets a binary option.
    func setOption(_ name: CInt, bytes: [UInt8]) throws(ZMQError) {
        let handle = openHandle
        _ = try ZMQError.check {
            bytes.withUnsafeBytes { zmq_setsockopt(handle, name, $0.baseAddress, $0.count) }
        }
    }

    /// Reads an `int` option.
    func intOption(_ name: CInt) throws(ZMQError) -> CInt {
        let handle = openHandle
        var value: CInt = 0
        var size = MemoryLayout<CInt>.size
        _ = try ZMQError.check { zmq_getsockopt(handle, name, &value, &size) }
        return value
    }

    /// Reads an `int64_t` option.
    func int64Option(_ name: CInt) throws(ZMQError) -> Int64 {
        let handle = openHandle
        var value: Int64 = 0
        var size = MemoryLayout<Int64>.size
        _ = try ZMQError.check { zmq_getsockopt(handle, name, &value, &size) }
        return value
    }

    /// Reads a binary option of at most `capacity` bytes.
    /// - Complexity: O(capacity).
    func bytesOption(_ name: CInt, capacity: Int) throws(ZMQError) -> [UInt8] {
        let handle = openHandle
        var buffer = [UInt8](repeating: 0, count: capacity)
        var size = capacity
        _ = try ZMQError.check {
            buffer.withUnsafeMutableBytes { zmq_getsockopt(handle, name, $0.baseAddress, &size) }
        }
        return Array(buffer.prefix(size))
    }

    /// Converts a millisecond option where `-1` means "infinite".
    private func optionalMilliseconds(_ value: CInt) -> Int? {
        value < 0 ? nil : Int(value)
    }

    /// Narrows to `CInt`, trapping with a readable message if out of range or negative.
    private func int32(_ value: Int, _ what: StaticString) -> CInt {
        guard value >= 0, let narrow = CInt(exactly: value) else {
            preconditionFailure("\(what) out of range: \(value)")
        }
        return narrow
    }
}
