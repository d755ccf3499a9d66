import Hummingbird
import SigmarisStore

/// `GET /api/sessions`, in the reference's shape.
struct SessionListResponse: ResponseEncodable, Sendable {
    struct Item: Encodable, Sendable {
        var id: String
        var title: String
        var lastMessage: String
        var updatedAt: String
        var messageCount: Int

        init(_ summary: SessionSummary) {
            id = summary.id
            // The reference's fallback for a session nobody named.
            title = summary.title ?? "Session " + String(summary.id.prefix(8))
            lastMessage = summary.lastMessage
            updatedAt = summary.updatedAt
            messageCount = summary.messageCount
        }
    }

    var sessions: [Item]
}

/// `{"success":true}`.
struct SuccessResponse: ResponseEncodable, Sendable {
    var success = true
}

/// `GET /api/message`: `{"messages":[{"user","ai","created_at"}]}`.
struct MessageListResponse: ResponseEncodable, Sendable {
    struct Item: Encodable, Sendable {
        var user: String
        var ai: String
        var created_at: String
    }

    var messages: [Item]
}

/// `DELETE /api/message`: `{"success":true,"deleted":"session"|"single"}`.
struct MessageDeleteResponse: ResponseEncodable, Sendable {
    var success = true
    var deleted: String
}
