/// A small table that renders as GitHub Markdown (for docs) and as aligned text (for
/// terminals), and as CSV.
public struct MarkdownTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) {
        precondition(row.count == header.count, "row has \(row.count) cells, header \(header.count)")
        rows.append(row)
    }

    public var markdown: String {
        var lines = ["| " + header.joined(separator: " | ") + " |"]
        lines.append("|" + header.indices.map { $0 == 0 ? " --- |" : " ---: |" }.joined())
        for row in rows { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }

    public var csv: String {
        ([header] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences("\"", "\"\"") + "\"" : text
    }
}

extension String {
    /// Replaces every occurrence without Foundation.
    public func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Number formatting without Foundation.
public enum Format {
    /// `value` with `digits` decimals.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "n/a" : (value > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (abs(value) * scale).rounded() / scale
        let integer = Int(rounded)
        var text = (value < 0 && rounded != 0 ? "-" : "") + String(integer)
        if digits > 0 {
            var fraction = String(Int(((rounded - Double(integer)) * scale).rounded()))
            while fraction.count < digits { fraction = "0" + fraction }
            text += "." + fraction
        }
        return text
    }

    /// A percentage with one decimal.
    public static func percent(_ value: Double) -> String { fixed(value * 100, 1) + " %" }
}
