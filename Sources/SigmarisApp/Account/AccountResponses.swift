import Hummingbird
import SigmarisStore

/// `GET /api/account/info`: `{"ok":true,"user":{"id","email"}}`, the email null when the token has none.
struct AccountInfoResponse: ResponseEncodable, Sendable {
    struct User: Encodable, Sendable {
        var id: String
        var email: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            // Explicitly null rather than left out, as the reference's clients expect the key.
            try container.encode(email, forKey: .email)
        }

        enum CodingKeys: String, CodingKey { case id, email }
    }

    var ok = true
    var user: User
}

/// `DELETE /api/account`: `{"success":true,"deleted":{table: count}}`.
struct AccountEraseResponse: ResponseEncodable, Sendable {
    var success = true
    var deleted: ErasedRows
}
