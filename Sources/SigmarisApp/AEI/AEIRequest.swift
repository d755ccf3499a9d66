import Foundation
import HTTPTypes
import Hummingbird
import SigmarisEngine
import SigmarisJSON

/// The body of `POST /api/aei`: `{text, lang?}`, plus the optional `x-session-id` header.
struct AEIRequest: Sendable {
    static let sessionHeader = HTTPField.Name("x-session-id")!

    var text: String
    var sessionID: String

    init(_ body: JSONObject, sessionHeader: String?) throws(APIError) {
        guard let value = body["text"], !value.isNull else { throw APIError.badRequest("Empty message", reason: "empty_message") }
        guard let text = value.stringValue else { throw APIError.badRequest("text must be a string", reason: "invalid_field") }
        // The engine's own trim (Python's strip), so "empty" here means what the engine would see.
        guard !TextRules.strip(text).isEmpty else {
            throw APIError.badRequest("Empty message", reason: "empty_message")
        }
        guard text.unicodeScalars.count <= TurnLimits.maxMessageCharacters else {
            throw APIError(.badRequest, "text is longer than \(TurnLimits.maxMessageCharacters) characters", reason: "message_too_long")
        }
        try StorableText.checkText(text, field: "text")
        _ = try JSONRequest.optionalString(body, "lang")
        self.text = text
        let session = try Self.sessionID(sessionHeader, field: "x-session-id") ?? ""
        sessionID = session.isEmpty ? UUID().uuidString.lowercased() : session
    }

    /// The `x-session-id` header's text, nil when absent. HTTP lets a field value carry any octet
    /// above 0x7F, and the HTTP layer decodes the value as UTF-8, turning bytes that are not UTF-8
    /// into U+FFFD before this code sees them (a browser's `fetch` sends U+0080–U+00FF as single
    /// Latin-1 bytes, for one). Such an id would silently name another session than the client
    /// meant, so a U+FFFD here is a 400 instead; no client has a reason to send that character.
    static func sessionHeader(in headers: HTTPFields) throws(APIError) -> String? {
        guard let value = headers[sessionHeader] else { return nil }
        if value.unicodeScalars.contains("\u{FFFD}") {
            throw APIError.badRequest("x-session-id must be UTF-8 (and not U+FFFD)", reason: "invalid_session")
        }
        return value
    }

    /// A session id from the `x-session-id` header or the history's `?session=`: trimmed, at most
    /// `TurnLimits.maxSessionIDCharacters` Unicode scalars, no control characters. Absent is nil.
    static func sessionID(_ raw: String?, field: String) throws(APIError) -> String? {
        guard let session = raw?.trimmingCharacters(in: .whitespaces) else { return nil }
        guard session.unicodeScalars.count <= TurnLimits.maxSessionIDCharacters else {
            throw APIError.badRequest("\(field) is longer than \(TurnLimits.maxSessionIDCharacters) characters", reason: "invalid_session")
        }
        do {
            try StorableText.checkIdentifier(session, field: field)
        } catch {
            throw APIError.badRequest(error.message, reason: "invalid_session")
        }
        return session
    }
}
