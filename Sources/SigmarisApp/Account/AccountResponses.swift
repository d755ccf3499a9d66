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

/// `DELETE /api/account`: `{"success":true,"deleted":{table: count}}`, and in remote-core mode also
/// `"remoteCore":"not_erased"` with a `remoteCoreNote` saying why.
struct AccountEraseResponse: ResponseEncodable, Sendable {
    var success = true
    var deleted: ErasedRows
    var remoteCore: RemoteCoreErasure?

    enum CodingKeys: String, CodingKey { case success, deleted, remoteCore, remoteCoreNote }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(success, forKey: .success)
        try container.encode(deleted, forKey: .deleted)
        if let remoteCore {
            try container.encode(remoteCore.rawValue, forKey: .remoteCore)
            try container.encode(remoteCore.note, forKey: .remoteCoreNote)
        }
    }
}

/// What an erase did at the remote persona core (`SIGMARIS_CORE_URL`).
///
/// Nothing: the core API (the reference core's, which this service's remote mode speaks) has only
/// `POST /persona/chat`, no route that erases a user, so the rows the core keeps for the user (its
/// persona state, episodes, turns and audit trail) stay there. The answer says so rather than let
/// `success` suggest otherwise.
enum RemoteCoreErasure: String, Sendable {
    case notErased = "not_erased"

    var note: String {
        switch self {
        case .notErased:
            "This service runs its persona core elsewhere (SIGMARIS_CORE_URL). Only this service's own database was erased: "
                + "the core API has no erase route, so the persona rows the core keeps for you were not erased; ask its operator."
        }
    }
}
