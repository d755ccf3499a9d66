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

/// `GET /persona/webhooks`.
struct OperatorWebhooksResponse: ResponseEncodable {
    var ok = true
    var status: String
    var counts: WebhookOutboxCounts
    var deliveries: [WebhookDeliveryRecord]
}
