/// The most recent dispatch decision times of the service loop (seconds from taking a
/// worker's message to having its batch), in a ring of `capacity`.
struct DispatchTimings: Sendable {
    let capacity = 100_000
    private(set) var samples: [Double] = []
    private var next = 0

    mutating func record(_ seconds: Double) {
        if samples.count < capacity {
            samples.append(seconds)
        } else {
            samples[next] = seconds
            next = (next + 1) % capacity
        }
    }
}
