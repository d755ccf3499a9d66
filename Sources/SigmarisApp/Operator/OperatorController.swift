import Hummingbird
import SigmarisStore

/// The operator routes: `GET`/`POST /persona/state`, `GET /persona/overview` and `GET /persona/webhooks`.
/// Added to a group guarded by `OperatorMiddleware` (`addOperatorRoutes`), which refuses every
/// non-operator before a handler reads the request's input or the database.
struct OperatorController {
    let store: SigmarisStore

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.get("state", use: state)
        router.post("state", use: act)
        router.get("overview", use: overview)
        router.get("webhooks", use: webhooks)
    }

    @Sendable func state(_ request: Request, context: SigmarisRequestContext) async throws -> OperatorStateResponse {
        let userID = try OperatorInput.userID(request.uri.queryParameters.get("user_id"))
        guard let state = try await store.operatorUserState(userID: userID) else { throw Self.unknownUser }
        return OperatorStateResponse(state: state)
    }

    @Sendable func act(_ request: Request, context: SigmarisRequestContext) async throws -> OperatorActionResponse {
        let operatorName = try context.requireOperator()
        let body = try OperatorActionRequest(try await JSONRequest.object(request, context: context))
        guard let record = try await store.applyOperatorAction(
            body.action, userID: body.userID, operatorName: operatorName, reason: body.reason)
        else { throw Self.unknownUser }
        context.logger.notice("operator action", metadata: [
            "sigmaris.operator": "\(operatorName)", "sigmaris.operator_action": "\(body.action.rawValue)",
            "sigmaris.operator_action_id": "\(record.id)",
        ])
        return OperatorActionResponse(action: record)
    }

    @Sendable func overview(_ request: Request, context: SigmarisRequestContext) async throws -> OperatorOverviewResponse {
        return OperatorOverviewResponse(overview: try await store.operatorOverview())
    }

    /// The webhook outbox: the newest events of one status (`failed` unless asked) and the counts.
    @Sendable func webhooks(_ request: Request, context: SigmarisRequestContext) async throws -> OperatorWebhooksResponse {
        let parameters = request.uri.queryParameters
        let query = try OperatorWebhooksQuery(status: parameters.get("status"), limit: parameters.get("limit"))
        let (counts, deliveries) = try await store.webhookDeliveries(status: query.status, limit: query.limit)
        return OperatorWebhooksResponse(status: query.status, counts: counts, deliveries: deliveries)
    }

    static let unknownUser = APIError(.notFound, "No persona state for this user", reason: "unknown_user")
}
