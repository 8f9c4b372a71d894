import CZeroMQ

extension ZMQSocket {
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` (93, a draft option in libzmq 4.3 that release builds accept).
    static let zapEnforceDomainOption: CInt = 93

    /// Sets `ZMQ_ZAP_ENFORCE_DOMAIN`: refuse peers when no ZAP handler answers, instead of
    /// letting them in unauthenticated (libzmq's legacy default). Set it on every socket a
    /// `ZAPHandler` guards.
    /// - Throws: `.invalidArgument` from a libzmq without the option.
    public func setZAPEnforceDomain(_ enabled: Bool) throws(ZMQError) {
        try setOption(Self.zapEnforceDomainOption, enabled ? 1 : 0)
    }
}
