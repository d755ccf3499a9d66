import Hummingbird
import SigmarisEngine
import SigmarisJSON
import SigmarisStore

/// Input checks of the operator routes.
enum OperatorInput {
    static let maxReasonCharacters = 1000

    /// A user id as the persona tables key it: 1...200 characters, no control characters.
    static func userID(_ value: String?) throws(APIError) -> String {
        guard let value, !value.isEmpty else { throw APIError.badRequest("user_id is required", reason: "missing_user_id") }
        guard value.unicodeScalars.count <= TurnLimits.maxUserIDCharacters else {
            throw APIError.badRequest("user_id must be 1 to \(TurnLimits.maxUserIDCharacters) characters", reason: "invalid_field")
        }
        try StorableText.checkIdentifier(value, field: "user_id")
        return value
    }
}

/// The body of `POST /persona/state`: `{"user_id", "action", "reason"}`; the reason is required (it
/// is the audit trail's why), trimmed, 1...1000 characters.
struct OperatorActionRequest: Sendable {
    var userID: String
    var action: OperatorAction
    var reason: String

    init(_ body: JSONObject) throws(APIError) {
        userID = try OperatorInput.userID(try JSONRequest.optionalString(body, "user_id"))
        let actions = OperatorAction.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = try JSONRequest.optionalString(body, "action") else {
            throw APIError.badRequest("action is required (one of \(actions))", reason: "missing_action")
        }
        guard let action = OperatorAction(rawValue: name) else {
            throw APIError.badRequest("action must be one of \(actions)", reason: "invalid_action")
        }
        self.action = action
        let reason = (try JSONRequest.optionalString(body, "reason") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw APIError.badRequest("reason is required", reason: "missing_reason") }
        guard reason.unicodeScalars.count <= OperatorInput.maxReasonCharacters else {
            throw APIError.badRequest("reason is longer than \(OperatorInput.maxReasonCharacters) characters", reason: "invalid_reason")
        }
        try StorableText.checkText(reason, field: "reason")
        self.reason = reason
    }
}

/// The query of `GET /persona/webhooks`: `status` one of `failed` (the default), `pending`,
/// `delivered`; `limit` 1...200 (default 50).
struct OperatorWebhooksQuery: Sendable {
    static let statuses = ["failed", "pending", "delivered"]
    static let limits = 1...200

    var status: String
    var limit: Int

    init(status: String?, limit: String?) throws(APIError) {
        self.status = status ?? "failed"
        guard Self.statuses.contains(self.status) else {
            throw APIError.badRequest("status must be one of \(Self.statuses.joined(separator: ", "))", reason: "invalid_status")
        }
        self.limit = try QueryLimit.parse(limit, default: 50, range: Self.limits)
    }
}
