import Foundation

/// One arrival of a serving trace: when, and how many tokens in and out.
public struct TraceEntry: Sendable, Hashable {
    public var time: Seconds
    public var inputTokens: Int
    public var outputTokens: Int
    public init(time: Seconds, inputTokens: Int, outputTokens: Int) {
        self.time = time
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// Reads trace CSVs with a header naming `input_tokens`, `output_tokens` and either
/// `t_rel_s` (seconds since start) or `timestamp` (`YYYY-MM-DD HH:MM:SS.fff`, or seconds).
public enum TraceReader {
    /// - Complexity: O(file size).
    public static func read(path: String) throws -> [TraceEntry] {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        else { throw WorkloadError("cannot read trace file \(path)") }
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next() else { throw WorkloadError("\(path): empty trace") }
        let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let inputColumn = columns.firstIndex(of: "input_tokens"),
            let outputColumn = columns.firstIndex(of: "output_tokens")
        else { throw WorkloadError("\(path): header needs input_tokens and output_tokens columns") }
        let relativeColumn = columns.firstIndex(of: "t_rel_s")
        let stampColumn = columns.firstIndex(of: "timestamp")
        guard relativeColumn != nil || stampColumn != nil else {
            throw WorkloadError("\(path): header needs a t_rel_s or timestamp column")
        }
        var entries: [TraceEntry] = []
        var lineNumber = 1
        var firstStamp: Double?
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == columns.count,
                let input = Int(fields[inputColumn]), let output = Int(fields[outputColumn]),
                input >= 0, output >= 0
            else { throw WorkloadError("\(path):\(lineNumber): malformed trace row") }
            let time: Double
            if let relativeColumn, let value = Double(fields[relativeColumn]) {
                time = value
            } else if let stampColumn, let stamp = parseStamp(fields[stampColumn]) {
                if firstStamp == nil { firstStamp = stamp }
                time = stamp - firstStamp!
            } else {
                throw WorkloadError("\(path):\(lineNumber): unreadable time")
            }
            entries.append(TraceEntry(time: time, inputTokens: input, outputTokens: output))
        }
        return entries
    }

    /// Seconds since an arbitrary epoch for `YYYY-MM-DD HH:MM:SS(.frac)`, or a plain number.
    static func parseStamp(_ text: String) -> Double? {
        if let value = Double(text) { return value }
        let parts = text.split(separator: " ")
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].split(separator: ":")
        guard date.count == 3, clock.count == 3, let hours = Double(clock[0]), let minutes = Double(clock[1]),
            let seconds = Double(clock[2])
        else { return nil }
        // Days from a fixed epoch (proleptic Gregorian), enough for differences.
        let (y, m, d) = (date[0], date[1], date[2])
        let a = (14 - m) / 12
        let yy = y + 4800 - a
        let mm = m + 12 * a - 3
        let julianDay = d + (153 * mm + 2) / 5 + 365 * yy + yy / 4 - yy / 100 + yy / 400 - 32045
        // Days since 2000-01-01 keep the magnitude small enough for sub-microsecond precision.
        return Double(julianDay - 2_451_545) * 86400 + hours * 3600 + minutes * 60 + seconds
    }
}
