import Hummingbird
import SigmarisEngine

/// Input checks shared by the session and message routes.
enum SessionInput {
    static let maxTitleCharacters = 200

    /// A session id from the query string (`?id=` or `?session=`): present, not blank, at most 200 characters.
    static func sessionID(_ request: Request, parameter: String) throws(APIError) -> String {
        try checked(request.uri.queryParameters.get(parameter), name: parameter)
    }

    static func checked(_ value: String?, name: String) throws(APIError) -> String {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.badRequest("\(name) is required", reason: "missing_session")
        }
        guard value.count <= TurnLimits.maxSessionIDCharacters else {
            throw APIError.badRequest("\(name) is longer than \(TurnLimits.maxSessionIDCharacters) characters", reason: "invalid_session")
        }
        return value
    }
}

/// The body of `PATCH /api/sessions`: `{"sessionId", "newTitle"}`; the title is trimmed and must
/// then have 1...200 characters (Unicode scalars, as Postgres counts them).
struct SessionRenameRequest: Sendable {
    var sessionID: String
    var title: String

    init(_ body: JSONObject) throws(APIError) {
        guard let sessionID = try JSONRequest.optionalString(body, "sessionId") else {
            throw APIError.badRequest("sessionId is required", reason: "missing_session")
        }
        self.sessionID = try SessionInput.checked(sessionID, name: "sessionId")
        guard let raw = try JSONRequest.optionalString(body, "newTitle") else {
            throw APIError.badRequest("newTitle is required", reason: "missing_title")
        }
        let title = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw APIError.badRequest("newTitle is empty", reason: "invalid_title") }
        guard title.unicodeScalars.count <= SessionInput.maxTitleCharacters else {
            throw APIError.badRequest("newTitle is longer than \(SessionInput.maxTitleCharacters) characters", reason: "invalid_title")
        }
        self.title = title
    }
}
