import Shared

extension EngineProfile {
    /// Constants of the coordinator's analytic batch-time prior (`AnalyticBatchTimeModel`)
    /// that match this profile: per decoding step, overhead plus streaming the weights; per
    /// cached token and step, its KV read; per prompt token, the prefill at a typical length.
    public var batchTimePrior: (stepOverhead: Seconds, kvReadPerToken: Seconds, prefillPerToken: Seconds) {
        (stepOverheadSeconds + weightStreamSeconds, kvSecondsPerToken, prefillSeconds(batchSize: 1, paddedInput: 512) / 512)
    }
}
