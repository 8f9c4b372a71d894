import Foundation
@testable import Shared

enum TraceReaderProbe {
    static func stamp(_ text: String) -> Double? { TraceReader.parseStamp(text) }
}

enum FileManagerProbe {
    static func temporaryFile(contents: String) -> String {
        let path = NSTemporaryDirectory() + "magnus-test-\(UUID().uuidString).jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data(contents.utf8))
        return path
    }
    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
