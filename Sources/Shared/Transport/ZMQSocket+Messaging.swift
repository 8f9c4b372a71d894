import CZeroMQ

extension ZMQSocket {
    /// Sends one multipart message. libzmq delivers multipart messages atomically: the peer
    /// receives all frames or none.
    ///
    /// Blocks while the message cannot be queued (high-water mark reached, no peer for
    /// DEALER/PUSH/REQ...), up to the send timeout, unless `dontWait` is set. For a ROUTER the
    /// first frame is the destination routing id; unroutable messages are silently dropped
    /// unless `routerMandatory` is on, in which case `ZMQError.hostUnreachable` is thrown.
    /// PUB never blocks: it drops messages for subscribers above their high-water mark.
    ///
    /// - Parameters:
    ///   - frames: at least one frame; frames may be empty.
    ///   - dontWait: fail fast (`ZMQ_DONTWAIT`) instead of blocking.
    /// - Returns: `true` if queued; `false` if it would block or the send timeout expired
    ///   (`EAGAIN`) before the first frame was accepted, in which case nothing was sent.
    /// - Throws: `ZMQError`. Should a failure happen after the first frame (libzmq accepts the
    ///   remaining frames of a started message, so only e.g. `.contextTerminated` can), the
    ///   message is incomplete and the error is thrown even if it is `EAGAIN`.
    /// - Complexity: O(n) in the total byte count (each frame is copied once).
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a message needs at least one frame")
        let handle = openHandle
        let part = ZMQMessagePart()
        for (index, frame) in frames.enumerated() {
            try part.load(frame)
            var flags: CInt = dontWait ? ZMQ_DONTWAIT : 0
            if index < frames.count - 1 { flags |= ZMQ_SNDMORE }
            let sent = try ZMQError.checkUnlessWouldBlock { zmq_msg_send(part.pointer, handle, flags) }
            if sent == nil {
                if index == 0 { return false }
                throw ZMQError.tryAgain
            }
        }
        return true
    }

    /// Sends a multipart message of UTF-8 string frames; see `send(_:dontWait:)` for `[[UInt8]]`.
    /// - Complexity: O(n) in the total byte count.
    @discardableResult
    public func send(_ frames: [String], dontWait: Bool = false) throws(ZMQError) -> Bool {
        try send(frames.map { Array($0.utf8) }, dontWait: dontWait)
    }

    /// Receives one whole multipart message.
    ///
    /// Blocks until a message arrives, up to the receive timeout, unless `dontWait` is set.
    /// On a ROUTER the first frame is the sender's routing id.
    /// - Returns: the frames (at least one), or `nil` if none was available (`EAGAIN`:
    ///   `dontWait` with an empty queue, or the receive timeout expired).
    /// - Throws: `ZMQError`, e.g. `.contextTerminated` after `ZMQContext.shutdown()`, or
    ///   `.invalidState` for a REQ/REP socket receiving out of turn.
    /// - Complexity: O(n) in the total byte count.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        let handle = openHandle
        let part = ZMQMessagePart()
        var frames: [[UInt8]] = []
        let flags: CInt = dontWait ? ZMQ_DONTWAIT : 0
        repeat {
            // Later frames of a message are already queued (atomic delivery), so only the
            // first receive can find nothing.
            let received = try ZMQError.checkUnlessWouldBlock { zmq_msg_recv(part.pointer, handle, flags) }
            if received == nil {
                if frames.isEmpty { return nil }
                throw ZMQError.tryAgain
            }
            frames.append(part.bytes)
        } while part.hasMore
        return frames
    }

    /// Receives one multipart message and decodes each frame as UTF-8 (invalid bytes are
    /// replaced with U+FFFD). Returns `nil` like `receive(dontWait:)`.
    /// - Complexity: O(n) in the total byte count.
    public func receiveStrings(dontWait: Bool = false) throws(ZMQError) -> [String]? {
        try receive(dontWait: dontWait)?.map { String(decoding: $0, as: UTF8.self) }
    }
}
