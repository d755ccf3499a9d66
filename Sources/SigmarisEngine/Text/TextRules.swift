/// The text conventions of docs/engine.md §0, in one place.
///
/// The spec was written against Python strings: lengths and slices count Unicode scalars (code
/// points), "trim" is `str.strip()`, line splitting is `str.splitlines()`. Swift's `String` counts
/// grapheme clusters, so every cut here goes through `unicodeScalars` explicitly.
public enum TextRules {

    /// Number of Unicode scalars (Python's `len`).
    public static func length(_ text: String) -> Int {
        text.unicodeScalars.count
    }

    /// The first `count` Unicode scalars (Python's `text[:count]`).
    public static func prefix(_ text: String, _ count: Int) -> String {
        let scalars = text.unicodeScalars
        guard count > 0 else { return "" }
        guard let end = scalars.index(scalars.startIndex, offsetBy: count, limitedBy: scalars.endIndex) else {
            return text
        }
        return String(scalars[scalars.startIndex..<end])
    }

    /// Python's `str.isspace()` for one scalar: Unicode White_Space plus the ASCII information
    /// separators U+001C...U+001F, which Python also treats as whitespace.
    public static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if (0x1C...0x1F).contains(scalar.value) { return true }
        return scalar.properties.isWhitespace
    }

    /// Python's `str.strip()`.
    public static func strip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonWhitespace($0) }),
              let last = scalars.lastIndex(where: { !isPythonWhitespace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// Python's `str.rstrip()`.
    public static func rstrip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let last = scalars.lastIndex(where: { !isPythonWhitespace($0) }) else { return "" }
        return String(scalars[...last])
    }

    /// Unicode lowercasing used for every keyword and marker match.
    public static func lower(_ text: String) -> String {
        text.lowercased()
    }

    /// Python's `needle in haystack`: plain substring search on code points.
    ///
    /// Done on UTF-8 bytes, which is equivalent (UTF-8 is self-synchronising) and avoids Swift's
    /// grapheme-aware `contains`, which would miss e.g. "e" inside "e\u{301}" where Python finds it.
    public static func contains(_ haystack: String, _ needle: String) -> Bool {
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { hay in
            needle.withUTF8 { pattern in
                guard !pattern.isEmpty else { return true }
                guard pattern.count <= hay.count else { return false }
                let first = pattern[0]
                var start = 0
                let lastStart = hay.count - pattern.count
                while start <= lastStart {
                    if hay[start] == first {
                        var matched = true
                        for offset in 1..<pattern.count where hay[start + offset] != pattern[offset] {
                            matched = false
                            break
                        }
                        if matched { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }

    /// True when `loweredText` contains any of `needles` (already lowercase).
    public static func containsAny(_ loweredText: String, of needles: [String]) -> Bool {
        needles.contains { contains(loweredText, $0) }
    }

    /// Scalars that end a line for Python's `str.splitlines()`.
    public static func isLineBoundary(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `text.splitlines()[0]`, or "" for an empty text.
    public static func firstLine(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let end = scalars.firstIndex(where: isLineBoundary) else { return text }
        return String(scalars[scalars.startIndex..<end])
    }

    /// Cuts a label: longer than `limit` scalars → first `limit`, right-trimmed, plus "…".
    public static func cutLabel(_ text: String, limit: Int) -> String {
        guard length(text) > limit else { return text }
        return rstrip(prefix(text, limit)) + PersonaConstants.Identity.ellipsis
    }
}
