/// Outcomes of the data-access layer that are not database faults.
public enum StoreError: Error, Sendable, Equatable {
    /// Another turn of the same user committed first (optimistic check on `turn_count`); the turn
    /// must be recomputed from the new state.
    case turnConflict(userID: String)
}
