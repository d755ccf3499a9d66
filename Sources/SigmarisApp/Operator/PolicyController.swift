import Hummingbird
import SigmarisStore

/// The policy routes: `POST`/`GET /persona/policies`, `PATCH`/`DELETE /persona/policies/{id}`
/// (docs/policies.md). Added to the operator group (`OperatorController.addRoutes`), so only an
/// operator reaches them; the policies run inside each turn's commit (`SigmarisStore.commitTurn`).
struct PolicyController {
    let store: SigmarisStore

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.post("policies", use: create)
        router.get("policies", use: list)
        router.patch("policies/:id", use: update)
        router.delete("policies/:id", use: delete)
    }

    @Sendable func create(_ request: Request, context: SigmarisRequestContext) async throws -> EditedResponse<PolicyResponse> {
        let operatorName = try context.requireOperator()
        let definition = try PolicyInput.definition(try PolicyFields(try await JSONRequest.object(request, context: context)))
        let policy = try await store.createPolicy(definition)
        log("policy created", policy, operatorName: operatorName, context: context)
        return EditedResponse(status: .created, response: PolicyResponse(policy: policy))
    }

    @Sendable func list(_ request: Request, context: SigmarisRequestContext) async throws -> PolicyListResponse {
        PolicyListResponse(policies: try await store.policies())
    }

    @Sendable func update(_ request: Request, context: SigmarisRequestContext) async throws -> PolicyResponse {
        let operatorName = try context.requireOperator()
        let id = try Self.id(context)
        let changes = try PolicyFields(try await JSONRequest.object(request, context: context)).changes
        guard let policy = try await store.updatePolicy(id: id, changes) else { throw Self.notFound }
        log("policy changed", policy, operatorName: operatorName, context: context)
        return PolicyResponse(policy: policy)
    }

    @Sendable func delete(_ request: Request, context: SigmarisRequestContext) async throws -> PolicyDeletedResponse {
        let operatorName = try context.requireOperator()
        let id = try Self.id(context)
        guard try await store.deletePolicy(id: id) else { throw Self.notFound }
        context.logger.notice("policy deleted", metadata: ["sigmaris.operator": "\(operatorName)", "sigmaris.policy_id": "\(id)"])
        return PolicyDeletedResponse(deleted: id)
    }

    private func log(_ message: String, _ policy: PolicyRecord, operatorName: String, context: SigmarisRequestContext) {
        context.logger.notice("\(message)", metadata: [
            "sigmaris.operator": "\(operatorName)", "sigmaris.policy_id": "\(policy.id)",
            "sigmaris.policy_action": "\(policy.action)", "sigmaris.policy_enabled": "\(policy.enabled)",
        ])
    }

    /// The path's id; anything but a positive integer names no policy.
    static func id(_ context: SigmarisRequestContext) throws(APIError) -> Int {
        guard let id = context.parameters.get("id", as: Int.self), id > 0 else { throw notFound }
        return id
    }

    static let notFound = APIError(.notFound, "No such policy", reason: "policy_not_found")
}
