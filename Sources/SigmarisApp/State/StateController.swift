import Hummingbird
import SigmarisStore

/// `/api/state/latest` and `/api/state/timeseries`: the stored snapshots the dashboard plots.
struct StateController {
    let store: SigmarisStore

    static let defaultLimit = 50
    static let limitRange = 1...200

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.get("state/latest", use: latest)
        router.get("state/timeseries", use: timeseries)
    }

    @Sendable func latest(_ request: Request, context: SigmarisRequestContext) async throws -> LatestSnapshotResponse {
        let user = try context.requireUser()
        return LatestSnapshotResponse(snapshot: try await store.rows(of: user.storeUser).latestSnapshot())
    }

    @Sendable func timeseries(_ request: Request, context: SigmarisRequestContext) async throws -> TimeseriesResponse {
        let user = try context.requireUser()
        let limit = Self.limit(request.uri.queryParameters.get("limit"))
        return TimeseriesResponse(snapshots: try await store.rows(of: user.storeUser).timeseries(limit: limit))
    }

    /// Absent or not a number: 50. Otherwise clamped to 1...200.
    static func limit(_ text: String?) -> Int {
        guard let text, let value = Int(text.trimmingCharacters(in: .whitespaces)) else { return defaultLimit }
        return min(max(value, limitRange.lowerBound), limitRange.upperBound)
    }
}
