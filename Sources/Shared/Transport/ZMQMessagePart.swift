import CZeroMQ

/// An initialised `zmq_msg_t` at a stable heap address, closed and freed on deinit.
///
/// `zmq_msg_t` must never be copied by value (libzmq may keep pointers into it), so it lives
/// behind an `UnsafeMutablePointer` in a noncopyable owner.
struct ZMQMessagePart: ~Copyable {
    /// The message; always in the initialised state between calls.
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    /// Allocates an empty message (`zmq_msg_init`).
    init() {
        pointer = .allocate(capacity: 1)
        let rc = zmq_msg_init(pointer)
        precondition(rc == 0, "zmq_msg_init cannot fail")
    }

    deinit {
        _ = zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// Replaces the content with a copy of `bytes` (`zmq_msg_close` + `zmq_msg_init_size`).
    /// - Complexity: O(n) in `bytes.count`.
    func load(_ bytes: [UInt8]) throws(ZMQError) {
        _ = zmq_msg_close(pointer)
        guard zmq_msg_init_size(pointer, bytes.count) == 0 else {
            let error = ZMQError.last
            _ = zmq_msg_init(pointer)  // keep the invariant: initialised
            throw error
        }
        if !bytes.isEmpty {
            bytes.withUnsafeBytes { source in
                zmq_msg_data(pointer)!.copyMemory(from: source.baseAddress!, byteCount: source.count)
            }
        }
    }

    /// A copy of the current content.
    /// - Complexity: O(n) in the message size.
    var bytes: [UInt8] {
        let count = zmq_msg_size(pointer)
        guard count > 0, let data = zmq_msg_data(pointer) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: data, count: count))
    }

    /// Whether more frames of the same multipart message follow (`zmq_msg_more`).
    var hasMore: Bool { zmq_msg_more(pointer) != 0 }
}
