import Foundation

/// The local provider's summary: the first sentences of the text, word for word, so the answer is
/// deterministic and needs no model (the reference app has no summary without a key; this one
/// always answers something true to the text).
enum ExtractiveSummary {
    /// At most this many sentences...
    static let maxSentences = 3
    /// ...and this many characters (Unicode scalars), cut at a sentence's end when one fits.
    static let maxCharacters = 400

    /// Sentences end at `.`, `!`, `?`, their CJK forms, or a line break; blank lines are skipped.
    static func summary(of text: String) -> String {
        var sentences: [String] = []
        var current = ""
        for character in text {
            if character.isNewline {
                append(&current, to: &sentences)
                continue
            }
            current.append(character)
            if terminators.contains(character) { append(&current, to: &sentences) }
            if sentences.count == maxSentences { break }
        }
        append(&current, to: &sentences)
        var summary = ""
        for sentence in sentences.prefix(maxSentences) {
            let joined = summary.isEmpty ? sentence : summary + " " + sentence
            if joined.unicodeScalars.count > maxCharacters { break }
            summary = joined
        }
        // A first sentence longer than the limit is cut, not dropped.
        if summary.isEmpty, let first = sentences.first {
            summary = String(String.UnicodeScalarView(first.unicodeScalars.prefix(maxCharacters)))
        }
        return summary
    }

    private static let terminators: Set<Character> = [".", "!", "?", "。", "！", "？"]

    private static func append(_ current: inout String, to sentences: inout [String]) {
        let sentence = current.trimmingCharacters(in: .whitespaces)
        current = ""
        if !sentence.isEmpty { sentences.append(sentence) }
    }
}
