import Foundation
import HTTPTypes
import Hummingbird
import SigmarisEngine

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
