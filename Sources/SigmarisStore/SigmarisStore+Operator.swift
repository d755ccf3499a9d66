import SigmarisPostgres

/// The operator routes' data access, as the service's own role.
extension SigmarisStore {
    /// Nil when the user has no persona state.
    public func operatorUserState(userID: String) async throws -> OperatorUserState? {
        try await database.withTransaction { try OperatorControlStore.userState(userID: userID, on: $0) }
    }

    /// Applies `action` and writes its audit row in one statement; nil (nothing written) when the
    /// user has no persona state. The user's recall window is dropped afterwards
    /// (`RecallWindowCache.invalidating`).
    public func applyOperatorAction(
        _ action: OperatorAction, userID: String, operatorName: String, reason: String
    ) async throws -> OperatorActionRecord? {
        try await RecallWindowCache.invalidating(recallWindows, userID: userID) {
            try await database.withTransaction {
                try OperatorControlStore.apply(
                    action, userID: userID, operatorName: operatorName, reason: reason, webhooks: webhooksEnabled, on: $0)
            }
        }
    }

    public func operatorOverview() async throws -> OperatorOverview {
        // One snapshot for both statements, so the counts and the hourly turns agree.
        try await database.withTransaction { connection in
            try connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try OperatorOverviewStore.overview(on: connection)
        }
    }

    /// How many users are in SAFETY_LOCK and how many are silenced now (for `/metrics`).
    public func attentionCounts() async throws -> AttentionCounts {
        try await database.withConnection(replay: .whenConnectionBreaks) { try OperatorOverviewStore.attentionCounts(on: $0) }
    }
}
