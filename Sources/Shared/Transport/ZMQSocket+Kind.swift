import CZeroMQ

extension ZMQSocket {
    /// The libzmq socket types this module supports.
    public enum Kind: Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Addresses peers by routing id (first frame); fair-queues input from all peers.
        case router
        /// Load-balances output over peers and fair-queues input; no envelope.
        case dealer
        /// Publishes to all subscribers whose subscriptions prefix-match the first frame.
        case pub
        /// Receives published messages matching its subscriptions.
        case sub
        /// Strict send/receive request client.
        case req
        /// Strict receive/send reply server.
        case rep
        /// Exclusive one-to-one pair.
        case pair
        /// Pipeline producer: load-balances to pullers.
        case push
        /// Pipeline consumer: fair-queues from pushers.
        case pull

        /// The `ZMQ_*` constant for `zmq_socket`.
        var cValue: CInt {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .req: ZMQ_REQ
            case .rep: ZMQ_REP
            case .pair: ZMQ_PAIR
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            }
        }

        /// The lowercase name, e.g. `"router"`.
        public var description: String {
            switch self {
            case .router: "router"
            case .dealer: "dealer"
            case .pub: "pub"
            case .sub: "sub"
            case .req: "req"
            case .rep: "rep"
            case .pair: "pair"
            case .push: "push"
            case .pull: "pull"
            }
        }
    }
}
