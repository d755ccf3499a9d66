import Hummingbird
import NIOCore
import SigmarisEngine
import SigmarisStore

/// `/api/account`: who the token says the user is, everything the service holds for them as one
/// JSON download, and erasing all of it.
struct AccountController {
    let store: SigmarisStore

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.get("account/info", use: info)
        router.get("account/export", use: export)
        router.delete("account", use: erase)
    }

    @Sendable func info(_ request: Request, context: SigmarisRequestContext) async throws -> AccountInfoResponse {
        let user = try context.requireUser()
        return AccountInfoResponse(user: .init(id: user.storeUser.personaUserID, email: user.email))
    }

    /// Streams the document page by page. The first piece is read before the response starts, so a
    /// database that is down is still a 503; a fault after that can only cut the download short
    /// (the JSON is then incomplete, which a client notices when it parses).
    @Sendable func export(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var chunks = store.rows(of: user.storeUser).export().makeChunks()
        let first = try await chunks.next() ?? ""
        let remaining = chunks
        let body = ResponseBody { writer in
            var chunks = remaining
            try await writer.write(ByteBuffer(string: first))
            while let chunk = try await chunks.next() {
                try await writer.write(ByteBuffer(string: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8",
                .contentDisposition: #"attachment; filename="sigmaris-export.json""#,
                .cacheControl: "no-store",
            ],
            body: body)
    }

    /// Needs `{"confirm":"DELETE"}`; anything else is a 400 and deletes nothing.
    @Sendable func erase(_ request: Request, context: SigmarisRequestContext) async throws -> AccountEraseResponse {
        let user = try context.requireUser()
        let body = try await JSONRequest.object(request, context: context)
        guard try JSONRequest.optionalString(body, "confirm") == "DELETE" else {
            throw APIError.badRequest(#"Send {"confirm":"DELETE"} to erase your data"#, reason: "confirmation_required")
        }
        let erased = try await store.rows(of: user.storeUser).eraseEverything()
        context.logger.info("user erased their data", metadata: ["sigmaris.erased.messages": "\(erased.messages)",
                                                                 "sigmaris.erased.turns": "\(erased.turns)"])
        return AccountEraseResponse(deleted: erased)
    }
}
