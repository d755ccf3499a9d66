/// Why a JSON text was refused, and at which byte offset.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case unexpectedEnd = "unexpected end of input"
        case unexpectedByte = "unexpected byte"
        case invalidLiteral = "invalid literal"
        case invalidNumber = "invalid number"
        case numberOutOfRange = "number out of range"
        case invalidString = "invalid string"
        case invalidEscape = "invalid escape"
        case invalidUnicode = "invalid unicode"
        case tooDeep = "nesting too deep"
        case trailingGarbage = "trailing characters after the JSON value"
    }

    public let reason: Reason
    public let offset: Int

    public var description: String { "\(reason.rawValue) at byte \(offset)" }
}

extension JSONValue {
    /// Parses one JSON value (RFC 8259, strict): UTF-8 input, insignificant whitespace only around
    /// tokens, no trailing garbage, no comments, no NaN/Infinity, no numbers that overflow a Double,
    /// no lone surrogates. Object keys keep their order; a repeated key keeps its first position
    /// and its last value.
    public init(parsing data: some Collection<UInt8>) throws(JSONParseError) {
        var parser = JSONTextParser(bytes: Array(data))
        self = try parser.parseDocument()
    }

    /// Convenience for tests and callers holding text.
    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8))
    }
}

/// A recursive-descent parser over a byte array.
struct JSONTextParser {
    /// Deep enough for any real meta, shallow enough never to exhaust the stack.
    static let maximumDepth = 512

    let bytes: [UInt8]
    var position = 0
    var depth = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw fail(.trailingGarbage) }
        return value
    }

    // MARK: Values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw fail(.unexpectedEnd) }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail(.unexpectedByte)
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var object = JSONObject()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail(peek() == nil ? .unexpectedEnd : .unexpectedByte) }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            guard let separator = next() else { throw fail(.unexpectedEnd) }
            if separator == UInt8(ascii: "}") { break }
            guard separator == UInt8(ascii: ",") else { throw fail(.unexpectedByte, at: position - 1) }
        }
        depth -= 1
        return .object(object)
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard let separator = next() else { throw fail(.unexpectedEnd) }
            if separator == UInt8(ascii: "]") { break }
            guard separator == UInt8(ascii: ",") else { throw fail(.unexpectedByte, at: position - 1) }
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail(.tooDeep) }
        position += 1
    }

    // MARK: Numbers

    /// Validates the RFC 8259 number grammar, then lets Double's own parser convert the slice
    /// (correctly rounded).
    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek(), isDigit(first) else { throw fail(.invalidNumber) }
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard let digit = peek(), isDigit(digit) else { throw fail(.invalidNumber) }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek(), isDigit(digit) else { throw fail(.invalidNumber) }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text) else { throw fail(.invalidNumber, at: start) }
        guard value.isFinite else { throw fail(.numberOutOfRange, at: start) }
        return value
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: Strings

    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1 // opening quote
        var scalars = String.UnicodeScalarView()
        while true {
            guard let byte = next() else { throw fail(.unexpectedEnd) }
            switch byte {
            case UInt8(ascii: "\""):
                return String(scalars)
            case UInt8(ascii: "\\"):
                scalars.append(try parseEscape())
            case 0x00..<0x20:
                throw fail(.invalidString, at: position - 1)
            case 0x00..<0x80:
                scalars.append(Unicode.Scalar(byte))
            default:
                scalars.append(try parseUTF8Sequence(leading: byte))
            }
        }
    }

    private mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
        guard let byte = next() else { throw fail(.unexpectedEnd) }
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low surrogate.
                guard next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u") else { throw fail(.invalidUnicode) }
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.invalidUnicode) }
                let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                guard let scalar = Unicode.Scalar(value) else { throw fail(.invalidUnicode) }
                return scalar
            case 0xDC00...0xDFFF:
                throw fail(.invalidUnicode)
            default:
                guard let scalar = Unicode.Scalar(unit) else { throw fail(.invalidUnicode) }
                return scalar
            }
        default:
            throw fail(.invalidEscape, at: position - 1)
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next() else { throw fail(.unexpectedEnd) }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidEscape, at: position - 1)
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Decodes one multi-byte UTF-8 sequence strictly (no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func parseUTF8Sequence(leading: UInt8) throws(JSONParseError) -> Unicode.Scalar {
        let start = position - 1
        let length: Int
        var value: UInt32
        let minimum: UInt32
        switch leading {
        case 0xC2...0xDF: length = 2; value = UInt32(leading & 0x1F); minimum = 0x80
        case 0xE0...0xEF: length = 3; value = UInt32(leading & 0x0F); minimum = 0x800
        case 0xF0...0xF4: length = 4; value = UInt32(leading & 0x07); minimum = 0x10000
        default: throw fail(.invalidUnicode, at: start)
        }
        for _ in 1..<length {
            guard let byte = next() else { throw fail(.unexpectedEnd) }
            guard byte & 0xC0 == 0x80 else { throw fail(.invalidUnicode, at: start) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { throw fail(.invalidUnicode, at: start) }
        return scalar
    }

    // MARK: Literals and bytes

    private mutating func expectLiteral(_ literal: String) throws(JSONParseError) {
        let start = position
        for expected in literal.utf8 {
            guard next() == expected else { throw fail(.invalidLiteral, at: start) }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard let actual = next() else { throw fail(.unexpectedEnd) }
        guard actual == byte else { throw fail(.unexpectedByte, at: position - 1) }
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
              byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func next() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    private func fail(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(reason: reason, offset: offset ?? position)
    }
}
