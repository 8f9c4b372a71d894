extension ZMQPoller {
    /// One socket that `poll` found ready.
    public struct Ready {
        /// The socket's index in `ZMQPoller.sockets`, as returned by `add`.
        public let index: Int
        /// The ready socket.
        public let socket: ZMQSocket
        /// Which of the requested events are ready.
        public let events: Events

        /// Whether the socket can receive without blocking.
        public var isReadable: Bool { events.contains(.readable) }
        /// Whether the socket can send without blocking.
        public var isWritable: Bool { events.contains(.writable) }
    }
}
