import Foundation
import Transport

/// Helpers shared by the transport tests.
enum TestSupport {
    /// Upper bound for anything that is expected to arrive.
    static let arrivalTimeout = 5_000

    /// Receives one message from `socket`, waiting at most `milliseconds`.
    static func receive(_ socket: ZMQSocket, within milliseconds: Int) throws -> [[UInt8]]? {
        var poller = ZMQPoller()
        poller.add(socket)
        guard try !poller.poll(timeoutMilliseconds: milliseconds).isEmpty else { return nil }
        return try socket.receive(dontWait: true)
    }

    /// Milliseconds taken by `body`.
    static func milliseconds(_ body: () throws -> Void) rethrows -> Int {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let elapsed = (clock.now - start).components
        return Int(elapsed.seconds) * 1000 + Int(elapsed.attoseconds / 1_000_000_000_000_000)
    }

    /// Runs `body` with a fresh temporary directory, removed afterwards.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("magnus-transport-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    /// `bytes` as a string, for readable expectations.
    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
