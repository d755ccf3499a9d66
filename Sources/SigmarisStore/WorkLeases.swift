import Foundation
import SigmarisPostgres

/// Work counted across every instance on the database (`sql/0012_limits_across_instances.sql`).
public enum WorkLeaseKind: String, Sendable {
    case turn
    case export
}

/// What asking for a lease gave.
public enum WorkLeaseGrant: Sendable, Equatable {
    case granted(id: Int)
    /// The user already holds `maxPerUser` leases of the kind.
    case userFull
    /// All instances together hold `maxTotal` leases of the kind.
    case full
}

extension SigmarisStore {
    /// The user's live leases of a kind, and the new lease's id if both caps (0: none) leave room,
    /// in one statement (`sigmaris_take_work_lease` of sql/0012: the kind's advisory lock, then the
    /// count and the insert, so admissions on every instance count one after the other, and the lock
    /// is held for this one statement only).
    /// `$1` kind, `$2` user id, `$3` holder, `$4` max in all, `$5` max per user, `$6` seconds to live.
    static let takeWorkLeaseSQL = """
    SELECT lease_mine, lease_id FROM public.sigmaris_take_work_lease($1, $2, $3, $4, $5, $6)
    """

    static let releaseWorkLeaseSQL = "DELETE FROM public.sigmaris_work_leases WHERE id = $1"
    /// `$1` holder, `$2` the lease ids as an array literal, `$3` seconds to live from now.
    static let renewWorkLeasesSQL = """
    UPDATE public.sigmaris_work_leases SET expires_at = now() + make_interval(secs => $3::float8)
    WHERE holder = $1 AND id = ANY ($2::bigint[])
    """
    static let releaseHolderLeasesSQL = "DELETE FROM public.sigmaris_work_leases WHERE holder = $1"
    /// Leases of a process that stopped renewing them (it died, or lost the database for longer than
    /// their time to live).
    static let sweepExpiredLeasesSQL = "DELETE FROM public.sigmaris_work_leases WHERE expires_at <= now()"

    /// Takes a lease of `kind` for `userID`, held by the process `holder`, if fewer than `maxPerUser`
    /// leases of the user and fewer than `maxTotal` in all are live (each 0 for no cap). The per-user
    /// cap is looked at first, as `InFlightLimit` does in one process.
    public func takeWorkLease(
        _ kind: WorkLeaseKind, userID: String, holder: UUID, maxTotal: Int, maxPerUser: Int, timeToLive: Duration
    ) async throws -> WorkLeaseGrant {
        let row = try await database.query(Self.takeWorkLeaseSQL, [
            .text(kind.rawValue), .text(userID), .uuid(holder), .int(maxTotal), .int(maxPerUser),
            .double(Double(timeToLive.components.seconds)),
        ])[0]
        if let id = try row.decode(Int?.self, "lease_id") { return .granted(id: id) }
        let mine = try row.decode(Int.self, "lease_mine")
        return maxPerUser > 0 && mine >= maxPerUser ? .userFull : .full
    }

    public func releaseWorkLease(id: Int) async throws {
        try await database.query(Self.releaseWorkLeaseSQL, [.int(id)])
    }

    /// Moves the expiry of the leases `ids` of `holder` to `timeToLive` from now. Only the ones it
    /// still holds: a lease whose release failed is left to expire rather than renewed for ever.
    public func renewWorkLeases(holder: UUID, ids: some Collection<Int>, timeToLive: Duration) async throws {
        guard !ids.isEmpty else { return }
        let list = "{" + ids.map(String.init).joined(separator: ",") + "}"
        try await database.query(Self.renewWorkLeasesSQL, [.uuid(holder), .text(list), .double(Double(timeToLive.components.seconds))])
    }

    /// Every lease of `holder` (a process that stops).
    public func releaseWorkLeases(holder: UUID) async throws {
        try await database.query(Self.releaseHolderLeasesSQL, [.uuid(holder)])
    }

    /// Expired leases and idle buckets; any instance may run it, any number of times.
    public func sweepSharedLimits() async throws {
        try await database.query(Self.sweepExpiredLeasesSQL)
        try await database.query(Self.sweepIdleBucketsSQL)
    }
}
