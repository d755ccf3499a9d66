import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SigmarisEngine
import SigmarisJSON
import Synchronization
import Testing

/// One real request to a documented route, and the status the test expects it to get.
struct DocumentedExchange: Sendable {
    var method: HTTPRequest.Method
    /// The path as the document names it (`/assets/{path}`).
    var path: String
    var uri: String
    var headers: HTTPFields = [:]
    var body: String?
    var status: HTTPResponse.Status
    /// Another status the test accepts (a streamed turn's failure before streaming existed).
    var alternative: HTTPResponse.Status?

    init(
        _ method: HTTPRequest.Method, _ path: String, uri: String? = nil, headers: HTTPFields = [:], body: String? = nil,
        expect status: HTTPResponse.Status, or alternative: HTTPResponse.Status? = nil
    ) {
        self.alternative = alternative
        self.method = method
        self.path = path
        self.uri = uri ?? path
        self.headers = headers
        self.body = body
        self.status = status
    }
}

/// Sends exchanges and holds every real answer to the document: its status must be documented for
/// that route and method, its content type must be one the document lists for that status, and a JSON
/// body (or each event of a stream) must match the documented schema. Remembers what was exercised.
final class DocumentConformance: Sendable {
    let document: OpenAPIDocument
    private let exercised = Mutex<[String: Set<Int>]>([:])
    private let notes = Mutex<[String]>([])
    /// Set once a turn answered as a stream: from then on every streamed request must stream.
    let streamsTurns = Mutex(false)

    init(document: OpenAPIDocument) { self.document = document }

    /// The operations (`GET /path`) and the statuses their real answers had.
    var statusesByOperation: [String: Set<Int>] { exercised.withLock { $0 } }
    var remarks: [String] { notes.withLock { $0 } }

    @discardableResult
    func send(_ client: some TestClientProtocol, _ exchange: DocumentedExchange, sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let response = try await client.execute(
            uri: exchange.uri, method: exchange.method, headers: exchange.headers, body: exchange.body.map { ByteBuffer(string: $0) })
        let label = "\(exchange.method) \(exchange.uri)"
        #expect(response.status == exchange.status || response.status == exchange.alternative, "\(label): \(String(buffer: response.body).prefix(300))", sourceLocation: sourceLocation)
        if (200..<300).contains(exchange.status.code), let body = exchange.body, !body.isEmpty,
           let schema = document.requestSchema(exchange.method, exchange.path) {
            // The request the test sends for a success is one the document describes as valid.
            let problems = document.schemas.problems((try? JSONValue(parsing: Array(body.utf8))) ?? .string(body), schema)
            #expect(problems.isEmpty, "\(label) request body: \(problems)", sourceLocation: sourceLocation)
        }
        let problems = check(response, of: exchange)
        #expect(problems.isEmpty, "\(label) → \(response.status.code): \(problems)", sourceLocation: sourceLocation)
        exercised.withLock { _ = $0["\(exchange.method) \(exchange.path)", default: []].insert(response.status.code) }
        return response
    }

    func note(_ text: String) { notes.withLock { $0.append(text) } }

    /// What is wrong with the answer under the document; empty when it conforms.
    func check(_ response: TestResponse, of exchange: DocumentedExchange) -> [String] {
        guard document.operation(exchange.method, exchange.path) != nil else {
            return ["\(exchange.method) \(exchange.path) is not documented"]
        }
        guard let documented = document.response(exchange.method, exchange.path, status: Int(response.status.code)) else {
            return ["status \(response.status.code) is not documented for \(exchange.method) \(exchange.path)"]
        }
        let content = documented["content"]?.objectValue
        let bodyText = String(buffer: response.body)
        if exchange.method == .head || response.status == .notModified || content == nil {
            return bodyText.isEmpty ? [] : ["a body where the document describes none"]
        }
        let mediaType = (response.headers[.contentType] ?? "").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let media = content?[mediaType] else {
            return ["content type \(mediaType.isEmpty ? "(none)" : mediaType) is not documented (\(content?.keys ?? []))"]
        }
        switch mediaType {
        case "application/json":
            guard let json = try? JSONValue(parsing: Array(response.body.readableBytesView)) else { return ["the body is not JSON"] }
            return document.schemas.problems(json, media["schema"] ?? .bool(true))
        case "text/event-stream":
            return checkStream(bodyText, media: media)
        default:
            return bodyText.isEmpty ? ["an empty \(mediaType) body"] : []
        }
    }

    /// Each event's name must be documented under `x-sse-events` and its `data` match that schema; the
    /// stream ends with `done` or `error`, and the deltas add up to the reply in `done`.
    func checkStream(_ text: String, media: JSONValue) -> [String] {
        let events = ReceivedEvent.parse(text)
        guard let last = events.last, ["done", "error"].contains(last.event) else { return ["the stream does not end with done or error"] }
        var problems: [String] = []
        var deltas = ""
        for event in events {
            guard let schema = media["x-sse-events"]?[event.event] else {
                problems.append("event \(event.event) is not documented")
                continue
            }
            guard let data = try? JSONValue(parsing: Array(event.data.utf8)) else {
                problems.append("the data of \(event.event) is not JSON")
                continue
            }
            problems += document.schemas.problems(data, schema, at: "event \(event.event)")
            if event.event == "delta" { deltas += data["text"]?.stringValue ?? "" }
            if event.event == "done", let reply = data["reply"]?.stringValue ?? data["output"]?.stringValue, reply != deltas {
                problems.append("the deltas do not add up to the reply")
            }
        }
        return problems
    }
}
