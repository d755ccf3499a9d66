import SigmarisEngine
import SigmarisJSON

/// The body of `POST /persona/chat`: `{user_id?, session_id?, message, reward_signal?, affect_signal?}`.
struct PersonaChatRequest: Sendable {
    var userID: String?
    var sessionID: String?
    var message: String
    var rewardSignal: Double
    var affectSignal: AffectSignal?

    init(_ body: JSONObject) throws(APIError) {
        guard let messageValue = body["message"], !messageValue.isNull else {
            throw APIError.badRequest("message is required", reason: "missing_message")
        }
        guard let message = messageValue.stringValue else {
            throw APIError.badRequest("message must be a string", reason: "invalid_field")
        }
        guard message.unicodeScalars.count <= TurnLimits.maxMessageCharacters else {
            throw APIError(.badRequest, "message is longer than \(TurnLimits.maxMessageCharacters) characters", reason: "message_too_long")
        }
        try StorableText.checkText(message, field: "message")
        self.message = message
        userID = try JSONRequest.optionalString(body, "user_id")
        sessionID = try JSONRequest.optionalString(body, "session_id")
        if let userID {
            guard !userID.isEmpty, userID.unicodeScalars.count <= TurnLimits.maxUserIDCharacters else {
                throw APIError.badRequest("user_id must be 1 to \(TurnLimits.maxUserIDCharacters) characters", reason: "invalid_field")
            }
            try StorableText.checkIdentifier(userID, field: "user_id")
        }
        if let sessionID {
            guard sessionID.unicodeScalars.count <= TurnLimits.maxSessionIDCharacters else {
                throw APIError.badRequest("session_id is longer than \(TurnLimits.maxSessionIDCharacters) characters", reason: "invalid_field")
            }
            try StorableText.checkIdentifier(sessionID, field: "session_id")
        }
        rewardSignal = try JSONRequest.optionalNumber(body, "reward_signal") ?? 0
        if let affect = body["affect_signal"], !affect.isNull {
            guard let object = affect.objectValue else {
                throw APIError.badRequest("affect_signal must be an object", reason: "invalid_field")
            }
            affectSignal = AffectSignal(
                tension: try JSONRequest.optionalNumber(object, "tension"),
                warmth: try JSONRequest.optionalNumber(object, "warmth"),
                curiosity: try JSONRequest.optionalNumber(object, "curiosity"))
        }
    }
}
