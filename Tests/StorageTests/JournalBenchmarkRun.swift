import Foundation
import Storage
import Testing

/// Not a test: runs `JournalBenchmark` when MAGNUS_JOURNAL_BENCH is set (build with
/// `-c release` for representative numbers) and prints accepts per second.
@Suite struct JournalBenchmarkRun {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MAGNUS_JOURNAL_BENCH"] != nil))
    func measureAcceptsPerSecond() throws {
        try withTemporaryDirectory { directory in
            for synchronous in SQLiteSynchronous.allCases {
                for group in [1, 10, 100, 1_000] {
                    let requests = group == 1 ? 2_000 : 20_000
                    let result = try JournalBenchmark.run(
                        directory: directory, requests: requests, perTransaction: group, synchronous: synchronous)
                    print("journal-bench \(result)")
                }
            }
        }
    }
}
