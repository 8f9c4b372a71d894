import Shared

/// A streaming client's view of one request's text (docs/protocol.md, `partial`): pieces join
/// while each starts where the text so far ends; after a gap (a piece the coordinator could
/// not send at once and dropped) later pieces are ignored and the result, which carries the
/// whole text, supplies the rest. Pure; one per request.
public struct StreamedText: Sendable, Hashable {
    /// The text shown so far.
    public private(set) var text = ""
    /// Whether a piece was missed (the rest comes with the result).
    public private(set) var hasGap = false

    public init() {}

    /// The new text to show for `partial`, or nil when it does not continue the text so far.
    /// - Complexity: O(piece).
    public mutating func add(_ partial: PartialMessage) -> String? {
        guard !hasGap else { return nil }
        guard partial.offset == text.utf8.count else {
            // A piece from before a resubmission (offset behind) repeats text: skip it; a piece
            // ahead of the text means one was missed.
            if partial.offset > text.utf8.count { hasGap = true }
            return nil
        }
        text += partial.text
        return partial.text
    }

    /// The part of the final `text` not shown yet: all of it after what was shown when it
    /// extends that, else nil (the engine's final decoding differs from the streamed pieces;
    /// the caller shows the whole text again or says so).
    public func remainder(of whole: String) -> String? {
        guard whole.utf8.starts(with: text.utf8) else { return nil }
        return String(decoding: whole.utf8.dropFirst(text.utf8.count), as: UTF8.self)
    }
}
