import Coordinator
import Foundation
import Shared

/// Measures how many accepts per second the journal sustains: `journalAccepted` for
/// synthetic requests (a 300-character input each), committed one by one or in groups with
/// `LogStore.write`, under `synchronous = FULL` or `NORMAL`. Not a test: call it from a
/// benchmark command; numbers depend on the disk's fsync latency.
public enum JournalBenchmark {
    /// Journals `requests` accepts into a fresh store in `directory`, then deletes it.
    /// - Complexity: O(requests) inserts and requests / perTransaction commits.
    public static func run(
        directory: String, requests: Int, perTransaction: Int, synchronous: SQLiteSynchronous
    ) throws(StorageError) -> JournalBenchmarkResult {
        let path = (directory as NSString).appendingPathComponent(
            "journal-bench-\(synchronous.rawValue)-\(perTransaction)-\(ProcessInfo.processInfo.processIdentifier).sqlite"
        )
        removeDatabase(at: path)
        defer { removeDatabase(at: path) }
        let store = try LogStore(path: path, epoch: 0, options: LogStoreOptions(synchronous: synchronous))
        defer { try? store.close() }
        let input = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 7)
        let group = max(1, perTransaction)
        let clock = ContinuousClock()
        var slowest = Duration.zero
        let started = clock.now
        var next = 0
        while next < requests {
            let end = min(requests, next + group)
            let commitStarted = clock.now
            try store.write { () throws(StorageError) in
                for index in next..<end {
                    let request = Request(
                        id: RequestID("bench-\(index)"), application: "mt_en_zh",
                        instruction: "Translate the following English text into Chinese:", input: input,
                        inputTokens: 80,
                        maxNewTokens: 512, arrival: Double(index) * 1e-3)
                    try store.journalAccepted(
                        request, clientID: "client-\(index % 16)", fingerprint: UInt64(index),
                        prediction: LengthPrediction(expected: 90, upper: 140), at: request.arrival)
                }
            }
            slowest = max(slowest, clock.now - commitStarted)
            next = end
        }
        let elapsed = clock.now - started
        return JournalBenchmarkResult(
            synchronous: synchronous, perTransaction: group, requests: requests, seconds: seconds(elapsed),
            maxCommitSeconds: seconds(slowest))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) * 1e-18
    }

    /// Deletes a database file with its WAL and shared-memory files.
    static func removeDatabase(at path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
