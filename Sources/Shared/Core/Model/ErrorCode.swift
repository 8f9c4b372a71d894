/// A stable error code, shared by the scheduler, the wire protocol's error replies and
/// docs/protocol.md. New codes are added as constants without breaking callers.
public struct ErrorCode: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The request's batch ran out of GPU memory even alone.
    public static let outOfMemory = ErrorCode("out_of_memory")
    /// Engines failed on the request's batch too many times.
    public static let engineFault = ErrorCode("engine_fault")
    /// A limit (queue length, in-flight requests per client) refused the request; retry later.
    public static let overloaded = ErrorCode("overloaded")
    /// The request is malformed or its numbers are out of range.
    public static let invalidRequest = ErrorCode("invalid_request")
    /// The input alone does not fit any worker's memory.
    public static let inputTooLong = ErrorCode("input_too_long")
    /// The same id was submitted with different content.
    public static let duplicateID = ErrorCode("duplicate_id")
    /// The request cannot finish, or did not finish, before its deadline.
    public static let deadlineExceeded = ErrorCode("deadline_exceeded")
    /// The client cancelled the request.
    public static let cancelled = ErrorCode("cancelled")
    /// The coordinator is shutting down and takes no new work.
    public static let shuttingDown = ErrorCode("shutting_down")
}

/// An error with a stable code and a human-readable message.
public struct MagnusError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}
