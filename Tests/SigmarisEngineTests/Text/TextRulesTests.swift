import Testing
@testable import SigmarisEngine

@Suite("Text rules (Python string semantics)")
struct TextRulesTests {

    @Test("length and prefix count Unicode scalars, not grapheme clusters")
    func scalars() {
        let family = "👨‍👩‍👧" // 5 scalars, 1 Character
        #expect(TextRules.length(family) == 5)
        #expect(TextRules.prefix(family, 1) == "👨")
        #expect(TextRules.length("e\u{301}") == 2)
        #expect(TextRules.prefix("こんにちは", 3) == "こんに")
        #expect(TextRules.prefix("abc", 10) == "abc")
        #expect(TextRules.prefix("abc", 0) == "")
    }

    @Test("strip removes Unicode whitespace like Python, including U+001C...U+001F and U+3000")
    func strip() {
        #expect(TextRules.strip(" \t\n\u{3000}こんにちは\u{00A0}\u{1C}") == "こんにちは")
        #expect(TextRules.strip("   ") == "")
        #expect(TextRules.strip("\u{200B}x") == "\u{200B}x") // zero-width space is not whitespace
        #expect(TextRules.rstrip("  a b  ") == "  a b")
    }

    @Test("first line splits on every Python line boundary")
    func firstLine() {
        #expect(TextRules.firstLine("one\ntwo") == "one")
        #expect(TextRules.firstLine("one\r\ntwo") == "one")
        #expect(TextRules.firstLine("one\u{2028}two") == "one")
        #expect(TextRules.firstLine("one\u{0B}two") == "one")
        #expect(TextRules.firstLine("single") == "single")
        #expect(TextRules.firstLine("") == "")
    }

    @Test("labels cut at the limit, right-trimmed, with an ellipsis")
    func cutLabel() {
        // 24 scalars exactly: unchanged.
        let exact = String(repeating: "あ", count: 24)
        #expect(TextRules.cutLabel(exact, limit: 24) == exact)
        // 25 scalars: first 24 plus "…".
        let long = String(repeating: "い", count: 25)
        #expect(TextRules.cutLabel(long, limit: 24) == String(repeating: "い", count: 24) + "…")
        // The cut lands after a space: the space is trimmed before the ellipsis.
        let spaced = String(repeating: "う", count: 23) + " " + "えお"
        #expect(TextRules.cutLabel(spaced, limit: 24) == String(repeating: "う", count: 23) + "…")
    }

    @Test("substring search is on code points, like Python's `in`")
    func contains() {
        #expect(TextRules.contains("e\u{301}", "e"))
        #expect(TextRules.contains("死にたいです", "死にたい"))
        #expect(!TextRules.contains("abc", "abcd"))
        #expect(TextRules.contains("abc", ""))
        #expect(TextRules.containsAny("i feel like a problem", of: ["fight", "problem"]))
    }

    @Test("lower is Unicode lowercasing")
    func lower() {
        #expect(TextRules.lower("KILL Myself ÄÖ") == "kill myself äö")
        #expect(TextRules.lower("ＡＢＣ") == "ａｂｃ")
    }
}
