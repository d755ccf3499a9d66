import Hummingbird
import SigmarisStore

/// `/api/memories`: what the persona remembers of the signed-in user (their episodes, which recall
/// reads back into later turns), listed and deleted one by one (issue #23 §4).
struct MemoriesController {
    let store: SigmarisStore

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.get("memories", use: list)
        router.delete("memories/:id", use: delete)
    }

    /// Newest first; with `q`, the best matches of the archive search first, each with its score.
    @Sendable func list(_ request: Request, context: SigmarisRequestContext) async throws -> MemoryListResponse {
        let user = try context.requireUser()
        let query = try MemoryInput.query(request)
        let limit = try MemoryInput.limit(request)
        guard let query else { return MemoryListResponse(try await store.rows(of: user.storeUser).memories(limit: limit)) }
        return MemoryListResponse(try await store.memories(of: user.storeUser, matching: query, limit: limit))
    }

    /// Gone for good: never recalled again, by any instance (the store moves the user's
    /// `control_version` and drops this process's recall window).
    @Sendable func delete(_ request: Request, context: SigmarisRequestContext) async throws -> SuccessResponse {
        let user = try context.requireUser()
        let id = try MemoryInput.id(context)
        guard try await store.rows(of: user.storeUser).deleteMemory(id) else { throw APIError.memoryNotFound }
        return SuccessResponse()
    }
}

extension APIError {
    /// The user has no memory of that id (whether or not someone else does).
    static let memoryNotFound = APIError(.notFound, "Memory not found", reason: "memory_not_found")
}
