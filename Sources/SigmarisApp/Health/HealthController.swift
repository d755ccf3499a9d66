import Hummingbird

/// `/healthz`: the process answers. `/readyz`: the database answers too (load balancers route on it),
/// as last probed at most a second ago (`ReadinessCheck`), and the process is not stopping
/// (`DrainState`: from SIGTERM on, 503 `draining`).
///
/// A ready answer also says which search recall's archive uses (`memory_search`: `hybrid`,
/// `full_text`, `none`, or `window` when `SIGMARIS_MEMORY=window`; issue #23), learned from the
/// database once.
struct HealthController {
    let readiness: ReadinessCheck
    var drain = DrainState()
    var memorySearch: @Sendable () async -> String? = { nil }

    struct Status: ResponseEncodable {
        var status: String
        var database: String?
        var memorySearch: String? = nil

        enum CodingKeys: String, CodingKey {
            case status, database
            case memorySearch = "memory_search"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(status, forKey: .status)
            if let database { try container.encode(database, forKey: .database) }
            if let memorySearch { try container.encode(memorySearch, forKey: .memorySearch) }
        }
    }

    func addRoutes(to router: Router<SigmarisRequestContext>) {
        router.get("healthz") { _, _ in
            Status(status: "ok")
        }
        router.get("readyz") { _, _ -> EditedResponse<Status> in
            if drain.recordProbe() {
                let database = await readiness.isReady() ? "ok" : "unreachable"
                return EditedResponse(
                    status: .serviceUnavailable, headers: [.retryAfter: "5"], response: Status(status: "draining", database: database))
            }
            if await readiness.isReady() {
                return EditedResponse(response: Status(status: "ready", database: "ok", memorySearch: await memorySearch()))
            }
            return EditedResponse(
                status: .serviceUnavailable, headers: [.retryAfter: "5"],
                response: Status(status: "unavailable", database: "unreachable"))
        }
    }
}
