import Hummingbird
import SigmarisEngine
import SigmarisJSON
import SigmarisStore

/// `POST /api/aei`: the reference frontend's reply shape.
struct AEIReplyResponse: ResponseEncodable {
    var success = true
    var sessionId: String
    var output: String
    var traits: JSONValue
    var safety: JSONValue
    var model: String
    /// The name the reference frontend reads the whole meta under.
    var python: JSONValue

    init(sessionID: String, outcome: AEIExchange.Outcome) {
        sessionId = sessionID
        output = outcome.reply
        traits = outcome.meta["trait"]?["state"] ?? .null
        safety = outcome.meta["safety"] ?? .null
        model = outcome.model
        python = outcome.meta
    }
}

/// `GET /api/aei?session=…`: the session's exchanges, oldest first.
struct AEIHistoryResponse: ResponseEncodable {
    var messages: [MessagePair]
}
