import Hummingbird

/// Input checks of the memory routes (`GET /api/memories`, `DELETE /api/memories/{id}`). Anything
/// out of bounds is a 400 with a reason, never clamped: a client asking for 500 memories should
/// learn that it gets at most 100.
enum MemoryInput {
    static let defaultLimit = 20
    static let limitRange = 1...100
    /// The longest search text, in Unicode scalars (a question, not a document).
    static let maxQueryCharacters = 200
    /// The longest memory id accepted (episode ids are 36-character UUIDs).
    static let maxIDCharacters = 200

    /// `?limit=`: absent is 20; anything but a whole number in 1...100 is a 400 `invalid_limit`.
    static func limit(_ request: Request) throws(APIError) -> Int {
        try QueryLimit.parse(request.uri.queryParameters.get("limit"), default: defaultLimit, range: limitRange)
    }

    /// `?q=`: nil when absent. The rule of the document's `MemoryQuery`, so what it calls valid is
    /// answered and nothing else: at most 200 Unicode scalars as sent (over: 400 `invalid_query`),
    /// no control character (400 `invalid_characters`), not blank (400 `invalid_query`). Searched
    /// trimmed of spaces.
    static func query(_ request: Request) throws(APIError) -> String? {
        guard let raw = request.uri.queryParameters.get("q") else { return nil }
        guard raw.unicodeScalars.count <= maxQueryCharacters else {
            throw APIError.badRequest("q is longer than \(maxQueryCharacters) characters", reason: "invalid_query")
        }
        try StorableText.checkIdentifier(raw, field: "q")
        let query = raw.trimmingCharacters(in: .whitespaces)
        guard !query.isEmpty else { throw APIError.badRequest("q is empty", reason: "invalid_query") }
        return query
    }

    /// The `{id}` of the path, percent-decoded (the router hands segments over as sent). An id no
    /// memory can have (blank, too long, a control character) is a 400 `invalid_memory_id`; a NUL
    /// in particular must never reach libpq, which would cut the parameter at it.
    static func id(_ context: SigmarisRequestContext) throws(APIError) -> String {
        let invalid = APIError.badRequest("the memory id is not valid", reason: "invalid_memory_id")
        guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding, !id.isEmpty,
              id.unicodeScalars.count <= maxIDCharacters, !id.unicodeScalars.contains(where: StorableText.isControl)
        else { throw invalid }
        return id
    }
}
