import Hummingbird
import SigmarisStore

/// `GET /persona/state`.
struct OperatorStateResponse: ResponseEncodable {
    var ok = true
    var state: OperatorUserState
}

/// `POST /persona/state`: the audit row just written.
struct OperatorActionResponse: ResponseEncodable {
    var ok = true
    var action: OperatorActionRecord
}

/// `GET /persona/overview`.
struct OperatorOverviewResponse: ResponseEncodable {
    var ok = true
    var overview: OperatorOverview
}
