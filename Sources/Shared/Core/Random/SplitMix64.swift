/// A small, fast, seedable generator (SplitMix64) so that forests, workloads and simulations
/// are reproducible from a `--seed`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// An exponential variate with the given rate (mean 1 / rate).
    public mutating func nextExponential(rate: Double) -> Double {
        -Foundation_log(1 - nextUnit()) / rate
    }

    /// A standard normal variate (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), 1e-300)
        let u2 = nextUnit()
        return (-2 * Foundation_log(u1)).squareRoot() * Foundation_cos(2 * .pi * u2)
    }
}

#if canImport(Glibc)
@preconcurrency import Glibc
@inline(__always) func Foundation_log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func Foundation_log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif

/// A 64-bit FNV-1a hash: stable across runs and platforms (unlike `Hasher`), used for
/// feature hashing and deterministic per-request jitter.
public enum StableHash {
    public static func fnv1a<S: Sequence>(_ bytes: S, seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64
    where S.Element == UInt8 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    public static func of(_ text: String, seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        fnv1a(text.utf8, seed: seed)
    }

    /// Finalizer that spreads the bits of a hash (from SplitMix64).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
