import Shared

/// Predictor error and service in one window of arrival time of a drift run.
public struct DriftWindow: Sendable, Hashable {
    /// Window start, seconds of virtual time.
    public var start: Double
    /// Requests that arrived in the window and finished.
    public var count: Int
    /// Mean |G′ − G| of those requests, tokens.
    public var meanAbsoluteError: Double
    /// The same, for the application that was held out of the bootstrap (nan if none).
    public var newApplicationError: Double
    /// The same, for the application whose outputs grew (nan if none).
    public var grownApplicationError: Double
    /// Mean response time of the window's requests, seconds.
    public var meanResponse: Double
}
