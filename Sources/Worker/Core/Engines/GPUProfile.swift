/// A GPU's public datasheet figures: memory capacity, peak memory bandwidth and peak dense
/// fp16 tensor throughput. Achieved fractions of these live in `EngineProfile`.
public struct GPUProfile: Sendable, Hashable, Codable {
    /// GPU name as announced in `WorkerCapabilities.gpu`, e.g. `V100-SXM2-32GB`.
    public var name: String
    /// Device memory in bytes (nominal capacity).
    public var memoryBytes: Int
    /// Peak memory bandwidth in bytes per second.
    public var memoryBandwidth: Double
    /// Peak dense fp16 tensor-core throughput in FLOP/s (without structured sparsity).
    public var peakFLOPs: Double

    public init(name: String, memoryBytes: Int, memoryBandwidth: Double, peakFLOPs: Double) {
        self.name = name
        self.memoryBytes = memoryBytes
        self.memoryBandwidth = memoryBandwidth
        self.peakFLOPs = peakFLOPs
    }

    /// One gibibyte (2^30 bytes).
    public static let gibibyte = 1 << 30
}

extension GPUProfile {
    /// NVIDIA Tesla V100-SXM2-32GB: 32 GiB HBM2, 900 GB/s, 125 TFLOP/s fp16 tensor.
    public static let v100SXM2_32GB = GPUProfile(
        name: "V100-SXM2-32GB", memoryBytes: 32 * gibibyte, memoryBandwidth: 900e9, peakFLOPs: 125e12)

    /// NVIDIA A100-SXM4-80GB: 80 GiB HBM2e, 2,039 GB/s, 312 TFLOP/s dense fp16 tensor.
    public static let a100SXM4_80GB = GPUProfile(
        name: "A100-SXM4-80GB", memoryBytes: 80 * gibibyte, memoryBandwidth: 2039e9, peakFLOPs: 312e12)

    /// NVIDIA H100-SXM5-80GB: 80 GiB HBM3, 3.35 TB/s, 989.4 TFLOP/s dense fp16 tensor.
    public static let h100SXM5_80GB = GPUProfile(
        name: "H100-SXM5-80GB", memoryBytes: 80 * gibibyte, memoryBandwidth: 3.35e12, peakFLOPs: 989.4e12)
}
