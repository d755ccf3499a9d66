extension JSONValue {
    /// Compact JSON text: no whitespace, object keys in insertion order.
    ///
    /// Non-finite numbers become `null` (JSON has no NaN/Infinity). Integral numbers within ±2^53 are
    /// written without a fraction ("3", not "3.0") so counts read as integers in Postgres and JS;
    /// other numbers use Swift's shortest round-trip form, which is valid JSON number syntax.
    public func serialized() -> String {
        var output = ""
        output.reserveCapacity(256)
        JSONTextWriter.write(self, into: &output)
        return output
    }
}

/// The writer behind `JSONValue.serialized()`.
enum JSONTextWriter {
    /// 2^53: beyond this, not every integer is representable, so integral values fall back to
    /// the exponent form Swift chooses.
    static let exactIntegerLimit = 9_007_199_254_740_992.0

    static func write(_ value: JSONValue, into output: inout String) {
        switch value {
        case .null:
            output += "null"
        case .bool(let flag):
            output += flag ? "true" : "false"
        case .number(let number):
            writeNumber(number, into: &output)
        case .string(let text):
            writeString(text, into: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                write(element, into: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (index, entry) in object.entries.enumerated() {
                if index > 0 { output += "," }
                writeString(entry.key, into: &output)
                output += ":"
                write(entry.value, into: &output)
            }
            output += "}"
        }
    }

    static func writeNumber(_ number: Double, into output: inout String) {
        guard number.isFinite else {
            output += "null"
            return
        }
        if number.rounded(.towardZero) == number, abs(number) <= exactIntegerLimit {
            output += String(Int64(number))
        } else {
            output += number.description
        }
    }

    static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    output += "\\u00"
                    output += hexDigit(scalar.value >> 4)
                    output += hexDigit(scalar.value & 0xF)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    private static func hexDigit(_ nibble: UInt32) -> String {
        String(UnicodeScalar(UInt8(nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10)))
    }
}
