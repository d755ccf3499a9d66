import Hummingbird
import NIOCore
import SigmarisEngine
import SigmarisStore

/// `/api/account`: who the token says the user is, everything the service holds for them as one
/// JSON download, and erasing all of it.
struct AccountController {
    let store: SigmarisStore
    /// The exports streaming now (`exportLimit`).
    let exports: InFlightLimit
    /// Set in remote-core mode (`SIGMARIS_CORE_URL`): the persona rows live with the core, which this
    /// route cannot reach (see `RemoteCoreErasure`).
    var remoteCore: Bool = false

    /// One export of a user at a time (a second is a 429 `export_in_progress`), and at most
    /// `maxConcurrent` in all (`SIGMARIS_MAX_CONCURRENT_EXPORTS`, 0: no cap; past it 503 `busy`).
    /// An export reads page after page for as long as the client downloads; without these a few
    /// clients could keep every pooled connection busy with exports.
    /// With `shared`, both hold across every instance on the database.
    static func exportLimit(maxConcurrent: Int, shared: SharedLeases? = nil) -> InFlightLimit {
        // An export of a long history takes seconds to minutes; asking again within a second is pointless.
        InFlightLimit(
            work: "exports", maxTotal: maxConcurrent, maxPerKey: 1, perKeyReason: "export_in_progress", retryAfterSeconds: 5,
            shared: shared.map { InFlightLimit.SharedCap(leases: $0, kind: .export, maxPerKey: 1) })
    }

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.get("account/info", use: info)
        router.get("account/export", use: export)
        router.delete("account", use: erase)
    }

    @Sendable func info(_ request: Request, context: SigmarisRequestContext) async throws -> AccountInfoResponse {
        let user = try context.requireUser()
        return AccountInfoResponse(user: .init(id: user.storeUser.personaUserID, email: user.email))
    }

    /// Streams the document page by page. Everything up to the first page from the database is read
    /// before the response starts, so a database that is down is still a 503; a fault after that can
    /// only cut the download short (the JSON is then incomplete, which a client notices when it parses).
    ///
    /// The export's place in `exports` is held until the body is written, fails or is abandoned by
    /// the client, and given back by the lease itself on any path that never reaches the body.
    @Sendable func export(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let lease = try await exports.admit(user.storeUser.personaUserID)
        var chunks = store.rows(of: user.storeUser).export().makeChunks()
        // The document opens with text of its own: read on to the first page of rows.
        var opening = ""
        while chunks.pagesRead == 0, let chunk = try await chunks.next() { opening += chunk }
        let (first, remaining) = (opening, chunks)
        let body = ResponseBody { writer in
            defer { lease.release() }
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
        // The store drops the user's recall window too: nothing of them stays in this process's memory.
        let erased = try await store.rows(of: user.storeUser).eraseEverything()
        context.logger.info("user erased their data", metadata: ["sigmaris.erased.messages": "\(erased.messages)",
                                                                 "sigmaris.erased.turns": "\(erased.turns)"])
        return AccountEraseResponse(deleted: erased, remoteCore: remoteCore ? .notErased : nil)
    }
}
