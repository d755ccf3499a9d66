import Foundation
import Hummingbird
import SigmarisEngine
import SigmarisJSON
import SigmarisStore

/// `/api/message`: one session's exchanges with their timestamps, and deleting the session's
/// messages or a single exchange (the reference frontend's route handler).
struct MessagesController {
    let store: SigmarisStore

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.get("message", use: list)
        router.delete("message", use: delete)
    }

    @Sendable func list(_ request: Request, context: SigmarisRequestContext) async throws -> MessageListResponse {
        let user = try context.requireUser()
        let sessionID = try SessionInput.sessionID(request, parameter: "session")
        let pairs = try await store.rows(of: user.storeUser).timedMessagePairs(sessionID: sessionID)
        return MessageListResponse(messages: pairs.map { .init(user: $0.user, ai: $0.ai, created_at: $0.createdAt) })
    }

    @Sendable func delete(_ request: Request, context: SigmarisRequestContext) async throws -> MessageDeleteResponse {
        let user = try context.requireUser()
        let sessionID = try SessionInput.sessionID(request, parameter: "session")
        let createdAt = try await Self.createdAt(request, context: context)
        let rows = store.rows(of: user.storeUser)
        if let createdAt {
            guard try await rows.deleteExchange(sessionID: sessionID, createdAt: createdAt) > 0 else {
                throw APIError(.notFound, "Message not found", reason: "message_not_found")
            }
            return MessageDeleteResponse(deleted: "single")
        }
        guard try await rows.deleteMessages(sessionID: sessionID) > 0 else { throw APIError.sessionNotFound }
        return MessageDeleteResponse(deleted: "session")
    }

    /// `{"createdAt": "…"}` from an optional body; an empty body means the whole session.
    static func createdAt(_ request: Request, context: SigmarisRequestContext) async throws -> String? {
        let buffer = try await JSONRequest.optionalBody(request, context: context)
        guard buffer.readableBytes > 0 else { return nil }
        guard let body = (try? JSONValue(parsing: buffer.readableBytesView))?.objectValue else {
            throw APIError.badRequest("Body must be a JSON object", reason: "invalid_json")
        }
        guard let text = try JSONRequest.optionalString(body, "createdAt") else { return nil }
        guard isTimestamp(text) else {
            throw APIError.badRequest("createdAt must be an ISO 8601 timestamp", reason: "invalid_field")
        }
        return text
    }

    /// ISO 8601 date and time with an offset (`Z` or `±HH:MM`), as `GET /api/message` writes it, and
    /// a real date (no 31 February): what reaches the database always parses.
    static func isTimestamp(_ text: String) -> Bool {
        guard text.utf8.count <= 40,
              let match = text.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2}):(\d{2}))/)
        else { return false }
        let date = DateComponents(
            calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"),
            year: Int(match.1), month: Int(match.2), day: Int(match.3),
            hour: Int(match.4), minute: Int(match.5), second: Int(match.6))
        let offsetHours = match.7.flatMap { Int($0) } ?? 0
        let offsetMinutes = match.8.flatMap { Int($0) } ?? 0
        return date.isValidDate && offsetHours <= 15 && offsetMinutes < 60
    }
}
