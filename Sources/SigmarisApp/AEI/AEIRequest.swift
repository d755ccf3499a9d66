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
        _ = try JSONRequest.optionalString(body, "lang")
        self.text = text
        let session = sessionHeader?.trimmingCharacters(in: .whitespaces) ?? ""
        guard session.count <= TurnLimits.maxSessionIDCharacters else {
            throw APIError.badRequest("x-session-id is longer than \(TurnLimits.maxSessionIDCharacters) characters", reason: "invalid_session")
        }
        sessionID = session.isEmpty ? UUID().uuidString.lowercased() : session
    }
}
