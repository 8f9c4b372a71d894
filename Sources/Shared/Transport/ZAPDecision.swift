/// A ZAP handler's answer to one `ZAPRequest`.
public enum ZAPDecision: Sendable, Hashable {
    /// Let the peer in; `userID` becomes the `User-Id` property of its messages.
    case allow(userID: String)
    /// Refuse the handshake (status 400); the peer is disconnected and told nothing more.
    case deny(reason: String)
}
