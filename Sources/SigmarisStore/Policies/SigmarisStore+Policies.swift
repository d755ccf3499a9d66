import SigmarisPostgres

/// The policy routes' data access (`PolicyStore`), as the service's own role. A policy's
/// evaluation is part of `commitTurn`.
extension SigmarisStore {
    public func policies() async throws -> [PolicyRecord] {
        try await database.withConnection { try PolicyStore.list(on: $0) }
    }

    public func createPolicy(_ definition: PolicyDefinition) async throws -> PolicyRecord {
        try await database.withTransaction { try PolicyStore.insert(definition, on: $0) }
    }

    /// Nil when there is no such policy; `PolicyRuleError` (nothing changed) when the policy the
    /// changes leave is not valid. A change of its condition or of `enabled` starts its streaks again.
    public func updatePolicy(id: Int, _ changes: PolicyChanges) async throws -> PolicyRecord? {
        try await database.withTransaction { try PolicyStore.update(id: id, changes, on: $0) }
    }

    /// False when there was no such policy.
    public func deletePolicy(id: Int) async throws -> Bool {
        try await database.withTransaction { try PolicyStore.delete(id: id, on: $0) }
    }
}
