import CZeroMQ

extension ZMQPoller {
    /// The conditions a poller can wait for.
    public struct Events: OptionSet, Sendable, Hashable {
        /// The `ZMQ_POLL*` bits.
        public let rawValue: Int

        /// Wraps `ZMQ_POLL*` bits.
        public init(rawValue: Int) {
            self.rawValue = rawValue
        }

        /// At least one message can be received without blocking (`ZMQ_POLLIN`).
        public static let readable = Events(rawValue: Int(ZMQ_POLLIN))
        /// At least one message can be sent without blocking (`ZMQ_POLLOUT`).
        public static let writable = Events(rawValue: Int(ZMQ_POLLOUT))
    }
}
