import Client
import Shared
import Testing

/// How `magnus submit --stream` joins `partial` pieces and the final text.
@Suite struct StreamedTextTests {
    static func piece(_ text: String, _ offset: Int) -> PartialMessage {
        PartialMessage(id: RequestID("a"), text: text, offset: offset, generatedTokens: 1)
    }

    @Test func piecesJoinInOrderAndTheResultSuppliesTheRest() {
        var streamed = StreamedText()
        #expect(streamed.add(Self.piece("你好", 0)) == "你好")
        #expect(streamed.add(Self.piece(" world", 6)) == " world")  // offsets in UTF-8 bytes
        #expect(streamed.add(Self.piece("你好", 0)) == nil)         // a repeat is skipped
        #expect(streamed.remainder(of: "你好 world!") == "!")
        #expect(streamed.remainder(of: "something else") == nil)
    }

    @Test func afterAMissedPieceNothingJoinsUntilTheResult() {
        var streamed = StreamedText()
        _ = streamed.add(Self.piece("ab", 0))
        #expect(streamed.add(Self.piece("d", 3)) == nil && streamed.hasGap)
        #expect(streamed.add(Self.piece("c", 2)) == nil)
        #expect(streamed.text == "ab" && streamed.remainder(of: "abcd") == "cd")
    }
}
