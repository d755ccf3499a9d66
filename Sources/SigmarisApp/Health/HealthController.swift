import Hummingbird
import SigmarisStore

/// `/healthz`: the process answers. `/readyz`: the database answers too (load balancers route on it).
struct HealthController {
    let store: SigmarisStore

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("healthz") { _, _ in
            JSONBody.response(#"{"status":"ok"}"#)
        }
        router.get("readyz") { _, _ in
            if await store.isReachable() {
                return JSONBody.response(#"{"status":"ready","database":"ok"}"#)
            }
            return JSONBody.response(
                #"{"status":"unavailable","database":"unreachable"}"#, status: .serviceUnavailable,
                headers: [.retryAfter: "5"])
        }
    }
}
