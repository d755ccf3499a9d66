import SigmarisPostgres

/// What taking a turn from a user's shared token bucket gave (`sql/0012_limits_across_instances.sql`).
public enum TurnTokenOutcome: Sendable, Equatable {
    case admitted
    /// No whole token left: the next one comes after this many seconds.
    case refused(waitSeconds: Double)
}

extension SigmarisStore {
    /// Refills `userID`'s bucket for the time since its last take and takes one turn from it, in one
    /// statement, so instances that take turns of the same user at once queue on the row and each
    /// sees the other's take. A missing row is a full bucket. `now()` may be older than the row's
    /// stamp when this statement waited for the row lock; the refill is then zero, never negative.
    /// `$1` user id, `$2` turns per minute (the bucket's size).
    static let takeTurnTokenSQL = """
    INSERT INTO public.sigmaris_turn_buckets AS b (user_id, tokens, updated_at, admitted)
    VALUES ($1, $2::float8 - 1, now(), true)
    ON CONFLICT (user_id) DO UPDATE SET
        tokens = least($2::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)::float8) * $2::float8 / 60)
            - CASE WHEN least($2::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)::float8) * $2::float8 / 60) >= 1
                   THEN 1 ELSE 0 END,
        admitted = least($2::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)::float8) * $2::float8 / 60) >= 1,
        updated_at = greatest(b.updated_at, now())
    RETURNING tokens, admitted
    """

    /// Buckets idle for a minute are full again, like a missing row: forgetting them bounds the
    /// table by the users of the last minute.
    static let sweepIdleBucketsSQL = """
    DELETE FROM public.sigmaris_turn_buckets WHERE updated_at < now() - interval '60 seconds'
    """

    /// Takes one turn of `userID` from the bucket all instances share (`turnsPerMinute` > 0).
    public func takeTurnToken(userID: String, turnsPerMinute: Int) async throws -> TurnTokenOutcome {
        let rows = try await database.query(Self.takeTurnTokenSQL, [.text(userID), .double(Double(turnsPerMinute))])
        guard let row = rows.first else { return .admitted }
        if try row.decode(Bool.self, "admitted") { return .admitted }
        let tokens = try row.decode(Double.self, "tokens")
        return .refused(waitSeconds: (1 - tokens) / (Double(turnsPerMinute) / 60))
    }
}
