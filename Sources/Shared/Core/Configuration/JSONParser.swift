/// A strict JSON reader (RFC 8259) for config files that says where a text stops being JSON.
///
/// Foundation's decoder on Linux reports only "not valid JSON" and accepts trailing commas;
/// an operator editing a config file needs the line and column. Objects keep duplicate keys
/// (the caller decides), numbers keep their text.
/// - Complexity: O(n) in the length of the text; nesting is limited to `maximumDepth`.
public struct JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 128

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// The line of the read position (from 1) and the offset where that line starts; line
    /// breaks occur only in whitespace, so `skipWhitespace` keeps them.
    private var line = 1
    private var lineStart = 0

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses one JSON value that makes up the whole text (whitespace around it allowed).
    /// - Throws: `JSONSyntaxError` with the line and column of the first problem.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }  // a UTF-8 byte order mark
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return value
    }

    /// Parses a JSON text.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    // MARK: Values

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of the text, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1
        var members: [JSONMember] = []
        skipWhitespace()
        if peek(is: "}") {
            index += 1
            depth -= 1
            return .object([])
        }
        while true {
            skipWhitespace()
            guard peek(is: "\"") else {
                throw error(peek(is: "}") ? "trailing comma before '}'" : "unexpected \(describeCurrent()), expected a key in double quotes")
            }
            let (line, column) = position(of: index)
            let key = try string()
            skipWhitespace()
            guard peek(is: ":") else { throw error("unexpected \(describeCurrent()), expected ':' after the key \"\(key)\"") }
            index += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try value(), line: line, column: column))
            skipWhitespace()
            if peek(is: ",") {
                index += 1
            } else if peek(is: "}") {
                index += 1
                depth -= 1
                return .object(members)
            } else {
                throw error("unexpected \(describeCurrent()), expected ',' or '}' after the value of \"\(key)\"")
            }
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(is: "]") {
            index += 1
            depth -= 1
            return .array([])
        }
        while true {
            skipWhitespace()
            if peek(is: "]") { throw error("trailing comma before ']'") }
            elements.append(try value())
            skipWhitespace()
            if peek(is: ",") {
                index += 1
            } else if peek(is: "]") {
                index += 1
                depth -= 1
                return .array(elements)
            } else {
                throw error("unexpected \(describeCurrent()), expected ',' or ']' in an array")
            }
        }
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        let start = index
        index += 1
        var buffer: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("unterminated string", at: start) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: buffer, as: UTF8.self) else { throw error("invalid UTF-8 in a string", at: start) }
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &buffer)
            case 0..<0x20:
                if byte == 0x0A { throw error("unterminated string (a line break inside it)", at: start) }
                throw error("control character in a string; write it as an escape")
            default:
                buffer.append(byte)
                index += 1
            }
        }
    }

    private mutating func escape(into buffer: inout [UInt8]) throws(JSONSyntaxError) {
        let start = index
        index += 1
        guard index < bytes.count else { throw error("unterminated string", at: start) }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(letter)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad(escapeStart: start)
            if (0xD800..<0xDC00).contains(scalar) {
                guard bytes[index...].starts(with: Array(#"\u"#.utf8)) else { throw error("unpaired surrogate in a \\u escape", at: start) }
                index += 2
                let low = try hexQuad(escapeStart: start)
                guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in a \\u escape", at: start) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let value = Unicode.Scalar(scalar) else { throw error("unpaired surrogate in a \\u escape", at: start) }
            buffer.append(contentsOf: Array(String(Character(value)).utf8))
        default:
            throw error("unknown escape '\\\(Character(Unicode.Scalar(letter)))' in a string", at: start)
        }
    }

    private mutating func hexQuad(escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = Self.hexDigit(bytes[index]) else {
                throw error("a \\u escape needs four hexadecimal digits", at: escapeStart)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        if peek(is: "-") { index += 1 }
        if peek(is: "0") {
            index += 1
            if digitAtIndex() { throw error("a number cannot start with 0 followed by more digits") }
        } else {
            guard digitAtIndex() else { throw error("unexpected \(describeCurrent()), expected a digit") }
            skipDigits()
        }
        if peek(is: ".") {
            index += 1
            guard digitAtIndex() else { throw error("unexpected \(describeCurrent()), expected a digit after '.'") }
            skipDigits()
        }
        if peek(is: "e") || peek(is: "E") {
            index += 1
            if peek(is: "+") || peek(is: "-") { index += 1 }
            guard digitAtIndex() else { throw error("unexpected \(describeCurrent()), expected a digit in the exponent") }
            skipDigits()
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        let expected = Array(word.utf8)
        guard bytes[index...].starts(with: expected) else {
            throw error("unexpected \(describeCurrent()), expected a value (did you mean \(word), or a string in double quotes?)")
        }
        index += expected.count
        return value
    }

    // MARK: Scanning

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
            if bytes[index] == 0x0A {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
    }

    private mutating func skipDigits() {
        while digitAtIndex() { index += 1 }
    }

    private func digitAtIndex() -> Bool {
        index < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
    }

    private func peek(is character: Unicode.Scalar) -> Bool {
        index < bytes.count && bytes[index] == UInt8(ascii: character)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The character at the read position, quoted, for messages.
    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of the text" }
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let character = String(decoding: bytes[index..<end], as: UTF8.self)
        return character.unicodeScalars.allSatisfy { $0.value >= 0x20 } ? "'\(character)'" : "control character"
    }

    /// Line and column (from 1; columns count characters, not bytes) of an offset on the
    /// current line.
    /// - Complexity: O(length of the line).
    private func position(of offset: Int) -> (line: Int, column: Int) {
        let end = min(max(offset, lineStart), bytes.count)
        return (line, 1 + bytes[lineStart..<end].reduce(0) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 })
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let (line, column) = position(of: offset ?? index)
        return JSONSyntaxError(message, line: line, column: column)
    }
}
