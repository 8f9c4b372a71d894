import Foundation

/// One row of a task file in the format of `shared/data/*.jsonl`: a user input and the
/// reference output whose token count stands in for the generation length.
public struct TaskRecord: Sendable, Hashable, Codable {
    public var task: String
    public var input: String
    public var reference: String
    /// The model that wrote `reference` (open-chat data only).
    public var model: String?

    public init(task: String, input: String, reference: String, model: String? = nil) {
        self.task = task
        self.input = input
        self.reference = reference
        self.model = model
    }
}

/// Errors reading workload files, each naming the file and line.
public struct WorkloadError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads task files (JSONL, one `TaskRecord` a line).
public enum TaskFileReader {
    /// Reads every record of a JSONL file; `limit` stops early.
    /// - Complexity: O(file size).
    public static func read(path: String, limit: Int? = nil) throws -> [TaskRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkloadError("cannot read task file \(path)")
        }
        let decoder = JSONDecoder()
        var records: [TaskRecord] = []
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            lineNumber += 1
            let line = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            do {
                records.append(try decoder.decode(TaskRecord.self, from: line))
            } catch {
                throw WorkloadError("\(path):\(lineNumber): not a task record (\(error))")
            }
            if let limit, records.count >= limit { break }
        }
        return records
    }
}
