/// Minimal RFC 9110 syntax checks for values that libcurl sends verbatim.
///
/// libcurl does not sanitise custom header lines or custom methods. Rejecting
/// CR, LF and NUL here is what stops header/request-line injection when a
/// header value is built from user input.
enum HTTPSyntax {
    /// `tchar` from RFC 9110 §5.6.2.
    static func isToken(_ string: String) -> Bool {
        guard !string.isEmpty else { return false }
        return string.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// A field value may hold visible characters, spaces and tabs, but never
    /// CR, LF, NUL or other control characters.
    static func isFieldValue(_ string: String) -> Bool {
        string.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "\t") || (byte >= 0x20 && byte != 0x7F)
        }
    }
}
