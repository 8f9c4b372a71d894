import CXGBoost

/// A failure reported by XGBoost's C API, or input rejected before reaching it.
///
/// `call` names the C function that returned a non-zero status (for example
/// `"XGBoosterUpdateOneIter"`), or the Swift entry point that refused its input;
/// `message` is `XGBGetLastError()` without its native stack trace, or the reason
/// the input was refused.
public struct XGBoostError: Error, Sendable, Hashable, CustomStringConvertible {
    public let call: String
    public let message: String

    public init(call: String, message: String) {
        self.call = call
        self.message = message
    }

    public var description: String { "\(call) failed: \(message)" }

    /// Throws the calling thread's last XGBoost error when `status` is not 0.
    /// (XGBoost keeps the last error per thread, so this is safe under concurrency.)
    @inline(__always)
    static func check(_ status: Int32, _ call: String) throws {
        if status != 0 { throw lastError(call: call) }
    }

    static func lastError(call: String) -> XGBoostError {
        guard let raw = XGBGetLastError() else { return XGBoostError(call: call, message: "unknown error") }
        var text = String(cString: raw)
        // Messages end in a native backtrace ("Stack trace: [bt] (0) ..."), useless to callers.
        if let trace = text.firstRange(of: "Stack trace:") { text = String(text[..<trace.lowerBound]) }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return XGBoostError(call: call, message: text.isEmpty ? "unknown error" : text)
    }
}
