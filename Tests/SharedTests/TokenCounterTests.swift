import Testing
import Shared

@Suite struct TokenCounterTests {
    let counter = HeuristicTokenCounter(lettersPerToken: 4, digitsPerToken: 3, tokensPerCJK: 1)

    @Test func englishWordsCostOneTokenPerStartedChunkOfLetters() {
        // "The"=1, "statement"=3 (9/4 → 3), "added"=2; single spaces are free; "." = 1.
        #expect(counter.count("The statement added.") == 7)
    }

    @Test func digitsGroupAndCJKCountPerCharacter() {
        #expect(counter.count("7094") == 2)
        #expect(counter.count("声明补充说") == 5)
        #expect(counter.count("声明，2020") == 2 + 1 + 2)
    }

    @Test func codeSymbolsAndIndentationCount() {
        // "if"=1 "("=1 "a"=1 ")"=1 "{"=1, "\n    " = 1, "return"=2 ";"=1, "\n"=1 "}"=1
        #expect(counter.count("if (a) {\n    return;\n}") == 11)
    }

    @Test func emptyTextHasNoTokens() {
        #expect(counter.count("") == 0)
    }
}

@Suite struct WorkloadReaderTests {
    @Test func traceTimestampsParseToSeconds() throws {
        let a = try #require(TraceReaderProbe.stamp("2023-11-16 18:17:03.9799600"))
        let b = try #require(TraceReaderProbe.stamp("2023-11-17 00:00:00"))
        #expect(abs((b - a) - (5 * 3600 + 42 * 60 + 56.02004)) < 1e-6)
    }

    @Test func taskFileReaderReportsTheBadLine() throws {
        let path = FileManagerProbe.temporaryFile(contents: "{\"task\":\"gec\",\"input\":\"a\",\"reference\":\"b\"}\nnot json\n")
        defer { FileManagerProbe.remove(path) }
        #expect(throws: WorkloadError.self) { try TaskFileReader.read(path: path) }
        let first = try TaskFileReader.read(path: path, limit: 1)
        #expect(first == [TaskRecord(task: "gec", input: "a", reference: "b")])
    }
}
