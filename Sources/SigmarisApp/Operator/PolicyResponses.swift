import Hummingbird
import SigmarisStore

/// `POST /persona/policies` (201) and `PATCH /persona/policies/{id}`.
struct PolicyResponse: ResponseEncodable {
    var ok = true
    var policy: PolicyRecord
}

/// `GET /persona/policies`, oldest first.
struct PolicyListResponse: ResponseEncodable {
    var ok = true
    var policies: [PolicyRecord]
}

/// `DELETE /persona/policies/{id}`.
struct PolicyDeletedResponse: ResponseEncodable {
    var ok = true
    var deleted: Int
}
