#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Length statistics of one task, measured on real data in tokens (the default counter):
/// the user input's length is log-normal, and the generation length follows
/// log G = intercept + slope · log L_user + ε, ε ~ N(0, residual²).
public struct TaskLengthStatistics: Sendable, Hashable, Codable {
    public var task: String
    public var rows: Int
    public var logInputMean: Double
    public var logInputStd: Double
    public var minInput: Int
    public var maxInput: Int
    public var intercept: Double
    public var slope: Double
    public var residualStd: Double
    public var maxOutput: Int

    public init(
        task: String, rows: Int, logInputMean: Double, logInputStd: Double, minInput: Int, maxInput: Int,
        intercept: Double, slope: Double, residualStd: Double, maxOutput: Int
    ) {
        self.task = task
        self.rows = rows
        self.logInputMean = logInputMean
        self.logInputStd = logInputStd
        self.minInput = minInput
        self.maxInput = maxInput
        self.intercept = intercept
        self.slope = slope
        self.residualStd = residualStd
        self.maxOutput = maxOutput
    }

    /// Measures a task's statistics from (user input tokens, reference tokens) pairs.
    /// - Complexity: O(n).
    public static func measure(task: String, pairs: [(input: Int, output: Int)]) -> TaskLengthStatistics {
        let xs = pairs.map { log(Double(max($0.input, 1))) }
        let ys = pairs.map { log(Double(max($0.output, 1))) }
        let n = Double(max(pairs.count, 1))
        let meanX = xs.reduce(0, +) / n, meanY = ys.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for (x, y) in zip(xs, ys) {
            sxx += (x - meanX) * (x - meanX)
            sxy += (x - meanX) * (y - meanY)
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        let intercept = meanY - slope * meanX
        var residual = 0.0
        for (x, y) in zip(xs, ys) { residual += pow(y - intercept - slope * x, 2) }
        let sortedInputs = pairs.map(\.input).sorted()
        let sortedOutputs = pairs.map(\.output).sorted()
        func high(_ values: [Int]) -> Int { values.isEmpty ? 1 : values[min(values.count - 1, Int(0.999 * Double(values.count)))] }
        return TaskLengthStatistics(
            task: task, rows: pairs.count, logInputMean: meanX, logInputStd: (sxx / n).squareRoot(),
            minInput: sortedInputs.first ?? 1, maxInput: high(sortedInputs), intercept: intercept, slope: slope,
            residualStd: (residual / n).squareRoot(), maxOutput: high(sortedOutputs))
    }

    /// The Swift literal for this value, for `BuiltInWorkload.statistics`.
    public var swiftLiteral: String {
        func f(_ x: Double) -> String {
            let scaled = (x * 10_000).rounded() / 10_000
            return String(scaled)
        }
        return ".init(task: \"\(task)\", rows: \(rows), logInputMean: \(f(logInputMean)), logInputStd: \(f(logInputStd)), "
            + "minInput: \(minInput), maxInput: \(maxInput), intercept: \(f(intercept)), slope: \(f(slope)), "
            + "residualStd: \(f(residualStd)), maxOutput: \(maxOutput)),"
    }
}
