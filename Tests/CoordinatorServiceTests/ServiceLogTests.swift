import CoordinatorShell
import Foundation
import ServiceSupport
import Shared
import Testing
import WorkerShell

/// Log lines carry the wall-clock time in UTC (ISO 8601, milliseconds), as text or as one
/// JSON object per line; the option is there on both services.
@Suite struct ServiceLogTests {
    @Test func isoTimesInUTC() {
        #expect(WallTime(milliseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(WallTime(milliseconds: 951_782_400_000).iso8601 == "2000-02-29T00:00:00.000Z", "a leap day")
        #expect(WallTime(milliseconds: 1_700_000_000_123).iso8601 == "2023-11-14T22:13:20.123Z")
        #expect(WallTime(milliseconds: 4_102_444_799_999).iso8601 == "2099-12-31T23:59:59.999Z")
        #expect(WallTime(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        // Every day of four years agrees with Foundation's calendar.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in stride(from: Int64(18_000), to: 19_461, by: 1) {
            let time = WallTime(milliseconds: day * 86_400_000 + 45_296_789)
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86_400))
            let expected = String(format: "%04d-%02d-%02dT12:34:56.789Z", parts.year!, parts.month!, parts.day!)
            if time.iso8601 != expected {
                Issue.record("day \(day): \(time.iso8601) != \(expected)")
                break
            }
        }
        let now = WallTime.now()
        #expect(abs(Double(now.milliseconds) / 1000 - Date().timeIntervalSince1970) < 5)
    }

    @Test func textAndJSONLines() throws {
        let at = WallTime(milliseconds: 1_700_000_000_123)
        #expect(
            ServiceLog.line(.warning, "worker w3 lost", component: "coordinator", format: .text, at: at)
                == "2023-11-14T22:13:20.123Z coordinator warning: worker w3 lost")
        let json = ServiceLog.line(.info, "two\nlines \"quoted\"", component: "worker w1", format: .json, at: at)
        #expect(json == #"{"ts":"2023-11-14T22:13:20.123Z","level":"info","component":"worker w1","message":"two\nlines \"quoted\""}"#)
        #expect(!json.contains("\n"), "one line per entry")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
        #expect(parsed == ["ts": "2023-11-14T22:13:20.123Z", "level": "info", "component": "worker w1", "message": "two\nlines \"quoted\""])
        let log = ServiceLog(component: "c", minimum: .info, format: .json, wallClock: { at })
        #expect(log.line(.error, "x") == #"{"ts":"2023-11-14T22:13:20.123Z","level":"error","component":"c","message":"x"}"#)
    }

    @Test func bothServicesTakeTheFormat() throws {
        #expect(try #require(try CoordinatorOptions.parse(["--log-format", "json"]).configuration).logFormat == .json)
        #expect(try #require(try CoordinatorOptions.parse([]).configuration).logFormat == .text)
        #expect(throws: UsageError.self) { try CoordinatorOptions.parse(["--log-format", "yaml"]) }
        let worker = try #require(try WorkerOptions.parse(["--coordinator", "tcp://127.0.0.1:5556", "--log-format", "json"]).parsed)
        #expect(worker.logFormat == .json)
    }
}
