/// How the local embedder and reply composer see one Unicode scalar.
public enum ScalarKind: Sendable, Equatable {
    /// Han, kana and their marks: scripts written without spaces, featurised as character n-grams.
    case unspacedScript
    /// Letters, digits and combining marks of space-separated scripts: parts of words.
    case wordCharacter
    /// Everything else (spaces, punctuation, symbols) separates words.
    case separator
}

public enum ScriptClassifier {

    public static func kind(of scalar: Unicode.Scalar) -> ScalarKind {
        let value = scalar.value
        if value < 0x80 {
            // ASCII fast path: the common case in English text.
            switch value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return .wordCharacter
            default: return .separator
            }
        }
        if isUnspacedScript(value) { return .unspacedScript }
        let properties = scalar.properties
        if properties.isAlphabetic { return .wordCharacter }
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark:
            return .wordCharacter
        default:
            return .separator
        }
    }

    /// Japanese (and Chinese) characters: kana, CJK ideographs, iteration marks, half-width kana.
    public static func isUnspacedScript(_ value: UInt32) -> Bool {
        switch value {
        case 0x3005...0x3007,          // 々 〆 〇
             0x3040...0x30FA,          // hiragana, katakana (without the middle dot ・)
             0x30FC...0x30FF,          // ー and katakana iteration marks
             0x31F0...0x31FF,          // katakana phonetic extensions
             0x3400...0x4DBF,          // CJK extension A
             0x4E00...0x9FFF,          // CJK unified ideographs
             0xF900...0xFAFF,          // CJK compatibility ideographs
             0xFF66...0xFF9F,          // half-width katakana
             0x20000...0x2FA1F:        // CJK extensions B+ and compatibility supplement
            return true
        default:
            return false
        }
    }

    /// True when the text has more Japanese/CJK characters than Latin-script letters.
    public static func isMostlyJapanese(_ text: String) -> Bool {
        var japanese = 0
        var latin = 0
        for scalar in text.unicodeScalars {
            switch kind(of: scalar) {
            case .unspacedScript: japanese += 1
            case .wordCharacter where scalar.value < 0x250: latin += 1
            default: break
            }
        }
        return japanese > latin
    }
}
