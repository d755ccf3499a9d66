import Hummingbird
import SigmarisStore

/// `/api/sessions`: the signed-in user's conversations from the database (list, rename, delete), in
/// the shapes of the reference frontend's route handler.
struct SessionsController {
    let store: SigmarisStore

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.get("sessions", use: list)
        router.patch("sessions", use: rename)
        router.delete("sessions", use: delete)
    }

    @Sendable func list(_ request: Request, context: SigmarisRequestContext) async throws -> SessionListResponse {
        let user = try context.requireUser()
        let sessions = try await store.rows(of: user.storeUser).sessions()
        return SessionListResponse(sessions: sessions.map(SessionListResponse.Item.init))
    }

    @Sendable func rename(_ request: Request, context: SigmarisRequestContext) async throws -> SuccessResponse {
        let user = try context.requireUser()
        let body = try SessionRenameRequest(try await JSONRequest.object(request, context: context))
        guard try await store.rows(of: user.storeUser).renameSession(body.sessionID, to: body.title) else {
            throw APIError.sessionNotFound
        }
        return SuccessResponse()
    }

    @Sendable func delete(_ request: Request, context: SigmarisRequestContext) async throws -> SuccessResponse {
        let user = try context.requireUser()
        let sessionID = try SessionInput.sessionID(request, parameter: "id")
        guard try await store.rows(of: user.storeUser).deleteSession(sessionID) != nil else {
            throw APIError.sessionNotFound
        }
        return SuccessResponse()
    }
}

extension APIError {
    /// The user has no message in the session named (whether or not someone else does).
    static let sessionNotFound = APIError(.notFound, "Session not found", reason: "session_not_found")
}
