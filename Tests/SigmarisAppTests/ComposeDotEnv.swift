/// How Docker Compose reads an env file (`.env` beside `docker-compose.yml`, and `env_file:`), written
/// down from its documented rules ("Syntax for environment files in Docker Compose") and its parser
/// (compose-spec/compose-go, `dotenv/parser.go`), so that a test can read `.env.example` as Compose
/// does. The differences from `DotEnv.parse` are the point:
///
/// - blanks after `=` are dropped, then an unquoted value runs to the end of the line, and `#` starts
///   an inline comment only right after a space (` #`): `KEY=   # note` is the value `# note`;
/// - `'single'` values are literal; `"double"` values understand `\n`, `\r`, `\t`, `\\`, `\"`; in
///   both a backslash before the quote character keeps the quote; text after the closing quote is
///   a comment only when it starts with `#`;
/// - a leading `export ` is dropped; `KEY: value` (YAML style) is also an assignment; a line with a
///   key and no `=` takes the value from the environment (here: none, so the key stays unset).
///
/// Not modelled, and refused so that a test never passes on a guess: `$` interpolation (unquoted and
/// double-quoted values), quoted values over several lines, and anything after a closing quote.
enum ComposeDotEnv {
    struct Unsupported: Error, CustomStringConvertible {
        let line: Int
        let why: String
        var description: String { "line \(line): \(why)" }
    }

    /// Compose's `isSpace`: the blanks it trims around keys and before values (not line breaks).
    static func isBlank(_ c: Character) -> Bool {
        ["\t", "\u{0B}", "\u{0C}", "\r", " ", "\u{85}", "\u{A0}"].contains(c)
    }

    static func parse(_ text: String) throws(Unsupported) -> [String: String] {
        var values = [String: String]()
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let number = index + 1
            var line = Substring(rawLine.drop(while: { $0.isWhitespace }))
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export"), let next = line.dropFirst(6).first, isBlank(next) {
                line = line.dropFirst(6).drop(while: isBlank)
            }
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                // `KEY` alone: inherited from the environment Compose runs in; none here.
                continue
            }
            let key = String(line[..<separator]).trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "_.-[]".contains($0) }) else {
                throw Unsupported(line: number, why: "a key Compose refuses")
            }
            let rest = line[line.index(after: separator)...].drop(while: isBlank)
            values[key] = try value(rest, line: number)
        }
        return values
    }

    private static func value(_ text: Substring, line: Int) throws(Unsupported) -> String {
        guard let quote = text.first, quote == "'" || quote == "\"" else {
            let unquoted = text.range(of: " #").map { text[..<$0.lowerBound] } ?? text
            let value = String(unquoted).trimmingTrailing(where: \.isWhitespace)
            if value.contains("$") { throw Unsupported(line: line, why: "$ interpolation is not modelled") }
            return value
        }
        var out = ""
        var escaped = false
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let c = text[index]
            if escaped {
                escaped = false
                if c == quote {
                    out.append(c)
                } else if quote == "\"" {
                    switch c {
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "\\": out.append("\\")
                    default: throw Unsupported(line: line, why: "the escape \\\(c) is not modelled")
                    }
                } else {
                    out.append("\\")
                    out.append(c)
                }
            } else if c == "\\" {
                escaped = true
            } else if c == quote {
                let after = text[text.index(after: index)...].drop(while: isBlank)
                guard after.isEmpty || after.hasPrefix("#") else {
                    throw Unsupported(line: line, why: "text after the closing quote is not modelled")
                }
                if quote == "\"", out.contains("$") { throw Unsupported(line: line, why: "$ interpolation is not modelled") }
                return out
            } else {
                out.append(c)
            }
            index = text.index(after: index)
        }
        throw Unsupported(line: line, why: "a quoted value that does not end on its line")
    }
}

extension String {
    fileprivate func trimmingTrailing(where isTrimmed: (Character) -> Bool) -> String {
        var s = self
        while let last = s.last, isTrimmed(last) { s.removeLast() }
        return s
    }
}
