import SigmarisPostgres

/// How an operation that deletes or rewrites a user's rows serializes with that user's turns, on this
/// instance and on any other: it takes the lock a turn's commit takes first, the user's
/// `sigmaris_persona_state` row (`FOR UPDATE`), as its own first statement, as the connection's own
/// role (the persona tables are not the user's to lock).
///
/// A turn's commit then either finished before (the operation's later statements, each with a fresh
/// snapshot, see all of it) or waits for the operation's COMMIT, after which its optimistic check
/// (`PersonaStateStore.commitTurnSQL`: the row's `turn_count` and `control_version`, an UPDATE that
/// finds no row when it was deleted) conflicts or, when the row is untouched, commits whole after it.
///
/// One order everywhere: the state row first, then anything else. A turn, an erase, an operator
/// action and a prune batch all start there, so none of them can hold a row another one waits for
/// while waiting for that other's state row (the deadlock that once made an erase answer 500).
enum TurnSerialization {
    /// `$1` the persona user id.
    static let lockSQL = "SELECT 1 FROM public.sigmaris_persona_state WHERE user_id = $1 FOR UPDATE"

    /// An empty state row that exists only inside the erase's transaction (`$1` the persona user id).
    static let placeholderSQL = """
    INSERT INTO public.sigmaris_persona_state (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING RETURNING 1
    """

    enum Locked: Equatable {
        /// The user's state row, locked.
        case existingRow
        /// No state row: nothing to lock (`lock(_:on:)`).
        case noRow
        /// No state row, so an empty one was inserted to hold the lock (`lockCreatingRow`); the
        /// caller deletes it before committing.
        case placeholder
    }

    /// Locks the user's state row when there is one. Enough for operations whose deletions run in one
    /// statement (one snapshot), where a first turn committing meanwhile is seen whole or not at all.
    @discardableResult
    static func lock(_ personaUserID: String, on connection: PostgresConnection) throws(PostgresError) -> Locked {
        try connection.query(lockSQL, [.text(personaUserID)]).isEmpty ? .noRow : .existingRow
    }

    /// Locks the user's state row, inserting an empty one when there is none: an erase runs several
    /// statements, and a user's first turn (which inserts the row) must not commit between them. The
    /// placeholder's uncommitted key makes that turn's insert wait for the erase, which deletes it.
    static func lockCreatingRow(_ personaUserID: String, on connection: PostgresConnection) throws(PostgresError) -> Locked {
        // A first turn may commit the row between the two statements: then lock that row. Two rounds
        // settle it, since after a committed row only an erase can remove it, and it waits for us.
        for _ in 0..<3 {
            if try lock(personaUserID, on: connection) == .existingRow { return .existingRow }
            if try !connection.query(placeholderSQL, [.text(personaUserID)]).isEmpty { return .placeholder }
        }
        throw PostgresError(.queryFailed, sqlState: "40001", detail: "the user's state row kept appearing and vanishing")
    }
}
