extension JSONValue {
    /// Compact JSON text: no whitespace, object keys in insertion order.
    ///
    /// Non-finite numbers become `null` (JSON has no NaN/Infinity). Integral numbers within ±2^53 are
    /// written without a fraction ("3", not "3.0") so counts read as integers in Postgres and JS;
    /// other numbers use Swift's shortest round-trip form, which is valid JSON number syntax.
    public func serialized() -> String {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        JSONTextWriter.write(self, into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}

/// The writer behind `JSONValue.serialized()`.
///
/// It writes UTF-8 bytes and copies every run of a string that needs no escape in one go: a turn
/// serializes its meta several times (response, snapshot, audit rows), and appending scalar by
/// scalar to a `String` was the largest single cost of a turn in the benchmark's profile.
enum JSONTextWriter {
    /// 2^53: beyond this, not every integer is representable, so integral values fall back to
    /// the exponent form Swift chooses.
    static let exactIntegerLimit = 9_007_199_254_740_992.0

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            writeNumber(number, into: &output)
        case .string(let text):
            writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, entry) in object.entries.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(entry.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(entry.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func writeNumber(_ number: Double, into output: inout [UInt8]) {
        guard number.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        if number.rounded(.towardZero) == number, abs(number) <= exactIntegerLimit {
            output.append(contentsOf: String(Int64(number)).utf8)
        } else {
            output.append(contentsOf: number.description.utf8)
        }
    }

    /// Only `"`, `\\` and the C0 controls are escaped; they are single bytes in UTF-8, so every
    /// other byte (multi-byte scalars included) is copied as it is.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(quote)
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == quote || byte == backslash else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                writeEscape(byte, into: &output)
                runStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(quote)
    }

    private static func writeEscape(_ byte: UInt8, into output: inout [UInt8]) {
        output.append(backslash)
        switch byte {
        case quote, backslash: output.append(byte)
        case UInt8(ascii: "\n"): output.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): output.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): output.append(UInt8(ascii: "t"))
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        default:
            output.append(contentsOf: "u00".utf8)
            output.append(hexDigit(byte >> 4))
            output.append(hexDigit(byte & 0xF))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
