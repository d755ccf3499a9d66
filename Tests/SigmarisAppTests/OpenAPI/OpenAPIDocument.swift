import Foundation
import HTTPTypes
import SigmarisEngine
import SigmarisJSON

/// The checked-in `Public/openapi.json`, and the questions the drift test asks of it.
struct OpenAPIDocument {
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The repository's `Public` folder (this file is `Tests/SigmarisAppTests/OpenAPI/…`).
    static let publicDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Public")

    let root: JSONValue
    var schemas: JSONSchemaSubset { JSONSchemaSubset(document: root) }

    static func load() throws -> OpenAPIDocument {
        let data = try Data(contentsOf: publicDirectory.appendingPathComponent("openapi.json"))
        return OpenAPIDocument(root: try JSONValue(parsing: Array(data)))
    }

    /// Every documented operation as `GET /api/aei`.
    var operations: Set<String> {
        var operations = Set<String>()
        for (path, item) in root["paths"]?.objectValue?.entries ?? [] {
            for method in Self.methods where item[method] != nil {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    func operation(_ method: HTTPRequest.Method, _ path: String) -> JSONValue? {
        root["paths"]?[path]?[method.rawValue.lowercased()]
    }

    /// Follows a `$ref` (responses, request bodies, parameters), or the value itself.
    func dereferenced(_ value: JSONValue?) -> JSONValue? {
        guard let reference = value?["$ref"]?.stringValue else { return value }
        return dereferenced(schemas.resolve(reference))
    }

    func response(_ method: HTTPRequest.Method, _ path: String, status: Int) -> JSONValue? {
        dereferenced(operation(method, path)?["responses"]?[String(status)])
    }

    func requestSchema(_ method: HTTPRequest.Method, _ path: String) -> JSONValue? {
        dereferenced(operation(method, path)?["requestBody"])?["content"]?["application/json"]?["schema"]
    }
}

/// One server-sent event: its name and its `data` lines joined.
struct ReceivedEvent: Equatable {
    var event: String
    var data: String

    /// The events of a whole `text/event-stream` body; `:` comment lines are skipped.
    static func parse(_ text: String) -> [ReceivedEvent] {
        var events: [ReceivedEvent] = []
        var name = "message", data: [String] = []
        // `isNewline` takes "\r\n", "\n" and "\r" alike, as the specification does ("\r\n" is one Character).
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init) {
            if line.isEmpty {
                if !data.isEmpty { events.append(ReceivedEvent(event: name, data: data.joined(separator: "\n"))) }
                name = "message"
                data = []
            } else if line.hasPrefix(":") {
                continue
            } else if let colon = line.firstIndex(of: ":") {
                var value = line[line.index(after: colon)...]
                if value.hasPrefix(" ") { value = value.dropFirst() }
                switch line[..<colon] {
                case "event": name = String(value)
                case "data": data.append(String(value))
                default: break
                }
            }
        }
        if !data.isEmpty { events.append(ReceivedEvent(event: name, data: data.joined(separator: "\n"))) }
        return events
    }
}
