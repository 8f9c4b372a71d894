import Coordinator
import MagnusTestSupport
import CoordinatorShell
import Client
import ServiceSupport
import WorkerShell
import Shared
import Testing

@Suite("Status metrics")
struct StatusMetricsTests {
    @Test func nearestRankPercentiles() {
        let values = (1...100).map(Double.init)
        #expect(StatusMetrics.percentile(values, 0.5) == 50)
        #expect(StatusMetrics.percentile(values, 0.95) == 95)
        #expect(StatusMetrics.percentile(values, 0.99) == 99)
        #expect(StatusMetrics.percentile([7], 0.99) == 7)
        #expect(StatusMetrics.percentile([], 0.5) == 0)
    }

    @Test func throughputAndLatencyCoverTheWindow() {
        var metrics = StatusMetrics(window: 10)
        for second in 0..<20 {
            metrics.recordCompletion(at: Double(second), responseTime: Double(second) / 10, generatedTokens: 100, predictedTokens: 100)
        }
        let summary = metrics.summary(at: 19.5)
        // Completions at 10...19 are inside (9.5, 19.5].
        #expect(summary.throughput == 1)
        #expect(summary.tokenThroughput == 100)
        #expect(summary.latency.samples == 10)
        #expect(summary.latency.p50 == 1400)
        #expect(summary.latency.p99 == 1900)
        #expect(metrics.completed == 20)
    }

    @Test func throughputBeforeAFullWindowUsesElapsedTime() {
        var metrics = StatusMetrics(window: 30)
        for _ in 0..<10 { metrics.recordCompletion(at: 1, responseTime: 0.1, generatedTokens: 1, predictedTokens: 1) }
        #expect(metrics.summary(at: 2).throughput == 5)
    }

    @Test func predictorErrorIsARollingMean() {
        var metrics = StatusMetrics(window: 10, predictorSamples: 2)
        metrics.recordCompletion(at: 0, responseTime: 1, generatedTokens: 10, predictedTokens: 14)
        #expect(metrics.summary(at: 0).predictorMAE == 4)
        metrics.recordCompletion(at: 0, responseTime: 1, generatedTokens: 10, predictedTokens: 8)
        #expect(metrics.summary(at: 0).predictorMAE == 3)
        metrics.recordCompletion(at: 0, responseTime: 1, generatedTokens: 10, predictedTokens: 10)
        let summary = metrics.summary(at: 0)
        #expect(summary.predictorMAE == 1 && summary.predictorSamples == 2)
    }

    @Test func countersAndErrors() {
        var metrics = StatusMetrics()
        metrics.recordOutOfMemory(splitInto: 2)
        metrics.recordOutOfMemory(splitInto: 0)
        metrics.recordRequeue()
        metrics.recordWorkerLost()
        metrics.recordError(.overloaded)
        metrics.recordError(.overloaded)
        #expect(metrics.oomCount == 2 && metrics.splitCount == 1 && metrics.requeueCount == 1 && metrics.workersLost == 1)
        #expect(metrics.errorCounts == ["overloaded": 2])
    }

    @Test func longRunsStayBounded() {
        var metrics = StatusMetrics(window: 1)
        for index in 0..<100_000 {
            metrics.recordCompletion(at: Double(index) / 1000, responseTime: 0.01, generatedTokens: 1, predictedTokens: 1)
        }
        // (99, 100] holds the completions at 99.001 ... 99.999.
        #expect(metrics.summary(at: 100).latency.samples == 999)
    }
}
