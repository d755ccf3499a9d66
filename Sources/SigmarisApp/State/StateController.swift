import Hummingbird
import SigmarisPostgres
import SigmarisStore

/// `/api/state/latest` and `/api/state/timeseries`: the stored snapshots the dashboard plots.
struct StateController {
    let database: PostgresClient

    static let defaultLimit = 50
    static let limitRange = 1...200

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.get("state/latest", use: latest)
        router.get("state/timeseries", use: timeseries)
    }

    @Sendable func latest(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (userID, claims) = (user.id, user.claimsJSON)
        let snapshot = try await database.withTransaction { connection in
            try UserScope.enter(claimsJSON: claims, on: connection)
            return try ChatStore.latestSnapshotJSON(userID: userID, on: connection)
        }
        return JSONBody.response(#"{"ok":true,"snapshot":"# + (snapshot ?? "null") + "}")
    }

    @Sendable func timeseries(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let limit = Self.limit(request.uri.queryParameters.get("limit"))
        let (userID, claims) = (user.id, user.claimsJSON)
        let snapshots = try await database.withTransaction { connection in
            try UserScope.enter(claimsJSON: claims, on: connection)
            return try ChatStore.timeseriesJSON(userID: userID, limit: limit, on: connection)
        }
        return JSONBody.response(#"{"ok":true,"snapshots":"# + snapshots + "}")
    }

    /// Absent or not a number: 50. Otherwise clamped to 1...200.
    static func limit(_ text: String?) -> Int {
        guard let text, let value = Int(text.trimmingCharacters(in: .whitespaces)) else { return defaultLimit }
        return min(max(value, limitRange.lowerBound), limitRange.upperBound)
    }
}
