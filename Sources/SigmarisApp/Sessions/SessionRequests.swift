import Hummingbird
import SigmarisEngine
import SigmarisJSON

/// Input checks shared by the session and message routes.
enum SessionInput {
    static let maxTitleCharacters = 200

    /// A session id from the query string (`?id=` or `?session=`).
    static func sessionID(_ request: Request, parameter: String) throws(APIError) -> String {
        try checked(request.uri.queryParameters.get(parameter), name: parameter)
    }

    /// A session id that names a session: the rule a turn's `x-session-id` follows (trimmed, at most
    /// 200 Unicode scalars, no control characters; `AEIRequest.sessionID`), and not blank. One rule,
    /// so an id a turn could never have stored is a 400 here too rather than an empty answer, and
    /// an id is counted as the turn counted it (scalars, not grapheme clusters).
    static func checked(_ value: String?, name: String) throws(APIError) -> String {
        guard let session = try AEIRequest.sessionID(value, field: name), !session.isEmpty else {
            throw APIError.badRequest("\(name) is required", reason: "missing_session")
        }
        return session
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
        // Stored in a `text` column, which cannot hold NUL: a 400 here, not a 500 from Postgres.
        try StorableText.checkText(title, field: "newTitle")
        self.title = title
    }
}
