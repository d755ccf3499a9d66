import Foundation

/// Reads a `.env` file: `KEY=value` lines, `#` comments, an optional `export ` prefix, and values in
/// single or double quotes (double quotes understand `\n`, `\"` and `\\`).
///
/// Not Hummingbird's `Environment.dotEnv()`: it lower-cases names, reads `KEY=   # note` (the
/// `.env.example` style for "empty, with a comment") as the value `#`, and knows neither `export` nor
/// single quotes, so a copied `.env.example` would configure the wrong things.
public enum DotEnv {
    public static func parse(_ text: String) -> [String: String] {
        var values = [String: String]()
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { continue }
            values[key] = unquote(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces))
        }
        return values
    }

    /// The process environment over the file's values: the environment wins.
    public static func merged(environment: [String: String], dotEnvPath: String?) -> [String: String] {
        guard let dotEnvPath,
              let data = FileManager.default.contents(atPath: dotEnvPath),
              let text = String(data: data, encoding: .utf8)
        else { return environment }
        return parse(text).merging(environment) { _, fromEnvironment in fromEnvironment }
    }

    private static func unquote(_ value: String) -> String {
        if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
            return String(value.dropFirst().dropLast())
        }
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            var out = ""
            var escaped = false
            for c in value.dropFirst().dropLast() {
                if escaped {
                    switch c {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    default: out.append(c)
                    }
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else {
                    out.append(c)
                }
            }
            return out
        }
        // An unquoted value ends at ` #` (a trailing comment); `KEY=  # note` is an empty value.
        if value.hasPrefix("#") { return "" }
        if let comment = value.range(of: " #") { return value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces) }
        return value
    }
}
