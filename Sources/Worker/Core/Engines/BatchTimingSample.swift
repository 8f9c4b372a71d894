import Shared

/// One logged batch run, as input to `EngineProfile.fitted(from:)`: its shape and how long it
/// took end to end (prefill plus every decoding step).
public struct BatchTimingSample: Sendable, Hashable, Codable {
    /// β.
    public var batchSize: Int
    /// L(B): the padded prompt length.
    public var paddedInput: Int
    /// G(B): tokens the longest row generated.
    public var generatedMax: Int
    /// Measured seconds.
    public var seconds: Seconds

    public init(batchSize: Int, paddedInput: Int, generatedMax: Int, seconds: Seconds) {
        self.batchSize = batchSize
        self.paddedInput = paddedInput
        self.generatedMax = generatedMax
        self.seconds = seconds
    }
}
