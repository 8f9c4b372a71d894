import Shared

extension ContentFingerprint {
    /// The fingerprint of the submit that `request` was built from, recomputed from the
    /// request (the same fields in the same order as the runtime's validation: application,
    /// instruction, input, input tokens and max_new_tokens after defaults, the simulation
    /// hint). A journalled request read back after a restart gets the fingerprint its
    /// client's resubmission will have.
    public init(of request: Request) {
        self.init()
        combine(request.application)
        combine(request.instruction)
        combine(request.input)
        combine(request.inputTokens)
        combine(request.maxNewTokens)
        combine(request.referenceOutputTokens)
    }
}
