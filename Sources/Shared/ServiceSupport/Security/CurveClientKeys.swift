import Transport

/// What a CURVE client of the coordinator (a worker, a client, a status subscriber) needs:
/// its own keypair and the coordinator's public key.
public struct CurveClientKeys: Sendable, Hashable {
    public var keypair: CurveKeypair
    /// The coordinator's public key (Z85).
    public var serverKey: String

    public init(keypair: CurveKeypair, serverKey: String) {
        self.keypair = keypair
        self.serverKey = serverKey
    }

    /// Loads the keypair from a secret key file (mode 0600) and the server key from a
    /// `.pub` file or inline Z85 text.
    /// - Throws: `KeyFileError`.
    public static func load(secretKeyFile: String, serverKey: String) throws(KeyFileError) -> CurveClientKeys {
        CurveClientKeys(keypair: try KeyFiles.readSecretKey(at: secretKeyFile), serverKey: try KeyFiles.readPublicKey(serverKey))
    }

    /// Makes `socket` a CURVE client of the coordinator; call before `connect`.
    public func apply(to socket: ZMQSocket) throws(ZMQError) {
        try socket.makeCurveClient(serverKey: serverKey, publicKey: keypair.publicKey, secretKey: keypair.secretKey)
    }
}
