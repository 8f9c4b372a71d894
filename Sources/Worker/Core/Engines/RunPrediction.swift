import Shared

/// What the cost and memory model predicts for one static batch (β rows padded to L(B), run for
/// G(B) generated tokens), without jitter: how long it runs and whether, and where, it runs out
/// of memory. The discrete-event simulator and the batch-time prior use it directly.
public struct RunPrediction: Sendable, Hashable {
    /// β.
    public var batchSize: Int
    /// L(B): the padded prompt length.
    public var paddedInput: Int
    /// G(B): tokens the longest row generates.
    public var generatedMax: Int
    /// Forward passes the batch needs: max(G(B), 1) (the prefill emits the first token).
    public var plannedSteps: Int
    /// Forward passes that completed: `plannedSteps`, or the OOM step.
    public var completedSteps: Int
    /// Seconds of the prefill (0 when the prefill itself ran out of memory).
    public var prefillSeconds: Seconds
    /// Seconds of the decoding steps that completed.
    public var decodeSeconds: Seconds
    /// Highest device memory in use over the completed steps (0 if none completed).
    public var peakMemoryBytes: Int
    /// The step (0 = prefill) at which memory first exceeds the device, if it does.
    public var outOfMemoryStep: Int?
    /// Device memory the failing step needed, if a step failed.
    public var requiredBytes: Int?
    /// Device memory (the limit the steps are checked against).
    public var availableBytes: Int

    public init(
        batchSize: Int, paddedInput: Int, generatedMax: Int, plannedSteps: Int, completedSteps: Int,
        prefillSeconds: Seconds, decodeSeconds: Seconds, peakMemoryBytes: Int, outOfMemoryStep: Int?,
        requiredBytes: Int?, availableBytes: Int
    ) {
        self.batchSize = batchSize
        self.paddedInput = paddedInput
        self.generatedMax = generatedMax
        self.plannedSteps = plannedSteps
        self.completedSteps = completedSteps
        self.prefillSeconds = prefillSeconds
        self.decodeSeconds = decodeSeconds
        self.peakMemoryBytes = peakMemoryBytes
        self.outOfMemoryStep = outOfMemoryStep
        self.requiredBytes = requiredBytes
        self.availableBytes = availableBytes
    }

    /// Seconds until the batch completes, or until the failing step for an OOM.
    public var duration: Seconds { prefillSeconds + decodeSeconds }

    /// True when every step fits in memory.
    public var completes: Bool { outOfMemoryStep == nil }
}
