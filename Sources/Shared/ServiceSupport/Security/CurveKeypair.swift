import Transport

/// A CURVE long-term keypair, Z85-encoded (40 characters each).
public struct CurveKeypair: Sendable, Hashable {
    public var publicKey: String
    public var secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh keypair from libzmq (`zmq_curve_keypair`).
    public static func generate() -> CurveKeypair {
        let pair = ZMQCurve.generateKeypair()
        return CurveKeypair(publicKey: pair.publicKey, secretKey: pair.secretKey)
    }
}
