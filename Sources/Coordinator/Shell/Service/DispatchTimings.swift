import ServiceSupport
/// The most recent dispatch decision times of the service loop (seconds from taking a
/// worker's message to having its batch), in a ring of `capacity`, each marked with
/// whether a retraining run was in progress on the learning thread at the time; and the
/// time the loop spent swapping in retrained models.
struct DispatchTimings: Sendable {
    let capacity = 100_000
    private(set) var samples: [(seconds: Double, retraining: Bool)] = []
    private var next = 0
    /// How long each model swap held the loop, seconds (one per retraining candidate).
    private(set) var swaps: [Double] = []

    mutating func recordSwap(_ seconds: Double) {
        if swaps.count < capacity { swaps.append(seconds) }
    }

    mutating func record(_ seconds: Double, retraining: Bool) {
        if samples.count < capacity {
            samples.append((seconds, retraining))
        } else {
            samples[next] = (seconds, retraining)
            next = (next + 1) % capacity
        }
    }
}
