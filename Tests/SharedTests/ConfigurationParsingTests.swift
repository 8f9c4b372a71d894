import Shared
import Testing

/// The strict JSON reader of config files, and the typo hints.
@Suite struct ConfigurationParsingTests {
    func failure(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\"\\\/\n\u00e9\ud83d\ude00"}, "d": {}} "#)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["a", "b", "d"])
        #expect(members[0].value == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(members[1].value == .object([JSONMember(key: "c", value: .string("x\"\\/\né😀"), line: 1, column: 46)]))
        #expect(members[0].line == 1 && members[0].column == 3)
        #expect(try JSONParser.parse("\u{FEFF}[]".utf8.map { $0 }) == .array([]))
        #expect(try JSONParser.parse("18446744073709551615") == .number("18446744073709551615"), "numbers keep their text")
    }

    @Test func errorsSayLineAndColumn() throws {
        let cases: [(String, Int, Int, String)] = [
            ("{\"a\": 1,}", 1, 9, "trailing comma"),
            ("[1, 2,]", 1, 7, "trailing comma"),
            ("{\n\"a\": tru}", 2, 6, "expected a value"),
            ("{\"a\": 01}", 1, 8, "cannot start with 0"),
            ("{\"a\": 1} x", 1, 10, "after the end"),
            ("{\"é\": \"x\n\"}", 1, 7, "unterminated string"),
            ("{\"a\" 1}", 1, 6, "expected ':'"),
            ("{a: 1}", 1, 2, "expected a key in double quotes"),
            ("\"\\ud800\"", 1, 2, "unpaired surrogate"),
            ("\"\\q\"", 1, 2, "unknown escape"),
            ("", 1, 1, "unexpected end"),
            ("[1.]", 1, 4, "after '.'"),
        ]
        for (text, line, column, message) in cases {
            let error = try #require(failure(text), "\(text) parsed")
            #expect(error.line == line && error.column == column, "\(text): \(error)")
            #expect(error.message.contains(message), "\(text): \(error)")
        }
        let deep = String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        #expect(failure(deep)?.message.contains("nested deeper") == true)
    }

    @Test func writtenTextReadsBack() throws {
        let value = JSONValue.object([
            JSONMember(key: "s", value: .string("tab\tquote\"\u{1}")), JSONMember(key: "l", value: .array([.number("1"), .null])),
            JSONMember(key: "o", value: .object([JSONMember(key: "b", value: .bool(false))])),
        ])
        func positionless(_ value: JSONValue) -> JSONValue {
            switch value {
            case .array(let items): .array(items.map(positionless))
            case .object(let members): .object(members.map { JSONMember(key: $0.key, value: positionless($0.value)) })
            default: value
            }
        }
        #expect(positionless(try JSONParser.parse(value.text)) == value)
    }

    @Test func nearestNames() {
        let keys = ["policy", "profile", "wma_threshold", "max_queued_requests"]
        #expect(NearestName.to("polcy", in: keys) == "policy")
        #expect(NearestName.to("poilcy", in: keys) == "policy")
        #expect(NearestName.to("wma-threshold", in: keys) == "wma_threshold")
        #expect(NearestName.to("colour", in: keys) == nil)
    }

    @Test func standardValues() throws {
        #expect(try Int(argument: "100_000") == 100_000)
        #expect(throws: ConfigValueError.self) { try Int(argument: "ten") }
        #expect(try Int(json: .number("1e3")) == 1000)
        #expect(throws: ConfigValueError.self) { try Int(json: .number("2.5")) }
        #expect(try UInt64(json: .number("18446744073709551615")) == .max)
        #expect(throws: ConfigValueError.self) { try Double(argument: "nan") }
        #expect(Double(30).argument == "30" && Double(0.1).argument == "0.1")
        #expect(try [String](argument: "a,,b") == ["a", "b"])
        #expect(try Int?(json: .null) == nil && (try Int?(argument: "4")) == 4)
        #expect(try LogLevel(argument: "WARN") == .warning && LogLevel.placeholder == "debug|info|warning|error")
        #expect(Bool.switched(true) == true && Int.switched(true) == nil)
    }
}
