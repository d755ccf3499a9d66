import Foundation
import SigmarisEngine
import SigmarisJSON

/// The part of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that `Public/openapi.json` is written
/// in: `type` (one or a list, `null` included), `properties`, `required`, `additionalProperties`,
/// `items`, `enum`, `const`, `oneOf`, `anyOf`, `allOf`, `$ref` to anywhere in the document, and for
/// strings `minLength`, `maxLength` (in Unicode scalars, as JSON Schema counts) and `pattern`.
/// Any other keyword is reported as a problem rather than ignored, so the document cannot use a rule
/// this checker would silently let through.
struct JSONSchemaSubset {
    /// The whole document, for `$ref`s such as `#/components/schemas/Error`.
    let document: JSONValue

    static let annotations: Set<String> = [
        "description", "title", "format", "example", "examples", "default", "deprecated", "readOnly", "writeOnly",
    ]

    /// What is wrong with `value` under `schema`; empty when it conforms.
    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        switch schema {
        case .bool(true): return []
        case .bool(false): return ["\(path): no value is allowed here"]
        case .object(let keywords):
            var problems: [String] = []
            for (keyword, rule) in keywords.entries {
                problems += check(keyword, rule, value, schema: schema, at: path)
            }
            return problems
        default:
            return ["\(path): the schema is neither an object nor a boolean"]
        }
    }

    func conforms(_ value: JSONValue, _ schema: JSONValue) -> Bool { problems(value, schema).isEmpty }

    private func check(_ keyword: String, _ rule: JSONValue, _ value: JSONValue, schema: JSONValue, at path: String) -> [String] {
        switch keyword {
        case "$ref":
            guard let pointer = rule.stringValue, let target = resolve(pointer) else { return ["\(path): unresolvable $ref \(rule)"] }
            return problems(value, target, at: path)
        case "type":
            let names = rule.arrayValue?.compactMap(\.stringValue) ?? rule.stringValue.map { [$0] } ?? []
            return names.contains(where: { Self.has(type: $0, value) }) ? [] : ["\(path): \(Self.describe(value)) is not of type \(names)"]
        case "enum":
            return (rule.arrayValue ?? []).contains(value) ? [] : ["\(path): \(value.serialized()) is not one of \(rule.serialized())"]
        case "const":
            return value == rule ? [] : ["\(path): \(value.serialized()) is not \(rule.serialized())"]
        case "properties":
            guard case .object(let object) = value, case .object(let properties) = rule else { return [] }
            return properties.entries.flatMap { key, subschema in
                object[key].map { problems($0, subschema, at: "\(path).\(key)") } ?? []
            }
        case "required":
            guard case .object(let object) = value else { return [] }
            return (rule.arrayValue ?? []).compactMap(\.stringValue).filter { object[$0] == nil }.map { "\(path): \($0) is missing" }
        case "additionalProperties":
            guard case .object(let object) = value else { return [] }
            let declared = Set(schema["properties"]?.objectValue?.keys ?? [])
            return object.entries.filter { !declared.contains($0.key) }.flatMap { key, member in
                rule == .bool(false) ? ["\(path): \(key) is not a declared property"] : problems(member, rule, at: "\(path).\(key)")
            }
        case "items":
            guard case .array(let elements) = value else { return [] }
            return elements.enumerated().flatMap { index, element in problems(element, rule, at: "\(path)[\(index)]") }
        case "oneOf":
            let matches = (rule.arrayValue ?? []).filter { conforms(value, $0) }.count
            return matches == 1 ? [] : ["\(path): \(value.serialized().prefix(200)) matches \(matches) schemas of oneOf, not exactly one"]
        case "anyOf":
            return (rule.arrayValue ?? []).contains(where: { conforms(value, $0) }) ? [] : ["\(path): matches no schema of anyOf"]
        case "allOf":
            return (rule.arrayValue ?? []).flatMap { problems(value, $0, at: path) }
        case "minLength", "maxLength":
            guard case .string(let string) = value, let bound = rule.doubleValue else { return [] }
            let length = Double(string.unicodeScalars.count)
            let fits = keyword == "minLength" ? length >= bound : length <= bound
            return fits ? [] : ["\(path): \(string.unicodeScalars.count) characters, \(keyword) is \(Int(bound))"]
        case "pattern":
            guard case .string(let string) = value else { return [] }
            guard let source = rule.stringValue, let regex = try? NSRegularExpression(pattern: Self.icu(source)) else {
                return ["\(path): the pattern \(rule.serialized()) does not compile"]
            }
            // A JSON Schema pattern is a search, not a whole match; the document anchors its own.
            let found = regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
            return found ? [] : ["\(path): \(string.debugDescription.prefix(80)) does not match \(source)"]
        default:
            return Self.annotations.contains(keyword) ? [] : ["\(path): the keyword \(keyword) is not supported by this checker"]
        }
    }

    /// An ECMA-262 pattern for ICU: a closing `$` is the end of the string there, but in ICU it also
    /// matches before a final line break, which would let "id\n" pass `^[^\x00-\x1f]*$`.
    static func icu(_ pattern: String) -> String {
        pattern.hasSuffix("$") && !pattern.hasSuffix(#"\$"#) ? String(pattern.dropLast()) + #"\z"# : pattern
    }

    /// A JSON pointer into the document (`#/components/schemas/Name`).
    func resolve(_ pointer: String) -> JSONValue? {
        guard pointer.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for token in pointer.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = node?[key]
        }
        return node
    }

    static func has(type name: String, _ value: JSONValue) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number):
            return true
        case ("integer", .number(let number)):
            return number.rounded(.towardZero) == number && number.isFinite
        default:
            return false
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
