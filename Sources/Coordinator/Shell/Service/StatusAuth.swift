import Shared

/// Who may subscribe to the coordinator's status stream (`status_auth`).
public enum StatusAuth: String, Sendable, Hashable, CaseIterable, ConfigChoice {
    /// Anyone who can reach the endpoint.
    case open
    /// Subscribers authenticate with CURVE, with a key on `status_keys` (or on `client_keys`
    /// when that is not set).
    case curve
}
