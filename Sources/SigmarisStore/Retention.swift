import Foundation
import SigmarisPostgres

/// What `sigmaris prune` deletes: the tables, the column that dates their rows, and which ones are
/// a user's conversation (deleted only when asked for explicitly).
public enum RetentionTables {
    public struct Table: Sendable, Equatable {
        public var name: String
        /// When the row was written (the turn's transaction time for every per-turn row).
        public var timeColumn: String
        /// A user's conversation or memory rather than the audit trail.
        public var isConversation: Bool
        /// Rows a turn recalls: deleting them must invalidate the users' cached recall windows.
        public var isRecalled = false
        /// The column naming the row's user (a `uuid` or the persona `text` id), nil for rows that name
        /// none: a batch locks those users' state rows first (`Retention.lockUsersSQL`).
        public var userColumn: String? = "user_id"
    }

    /// The one list. Names and columns are constants interpolated into SQL, never input.
    public static let all: [Table] = [
        Table(name: "sigmaris_turn_audit", timeColumn: "created_at", isConversation: false),
        // Retired by 0007; rows left from an older instance are still audit rows.
        Table(name: "sigmaris_trace_events", timeColumn: "created_at", isConversation: false, userColumn: nil),
        Table(name: "sigmaris_turns", timeColumn: "created_at", isConversation: false),
        Table(name: "sigmaris_value_snapshots", timeColumn: "created_at", isConversation: false),
        Table(name: "sigmaris_trait_snapshots", timeColumn: "created_at", isConversation: false),
        Table(name: "sigmaris_safety_assessments", timeColumn: "created_at", isConversation: false),
        // Webhook events by when they finished (delivered or failed): a pending event has no
        // `finished_at`, so it is never pruned. Its user is inside the payload, in no column.
        Table(name: "sigmaris_webhook_outbox", timeColumn: "finished_at", isConversation: false, userColumn: nil),
        Table(name: "messages", timeColumn: "created_at", isConversation: true),
        Table(name: "sigmaris_state_snapshots", timeColumn: "created_at", isConversation: true),
        Table(name: "sigmaris_episodes", timeColumn: "created_at", isConversation: true, isRecalled: true),
    ]

    public static func selected(includeConversations: Bool) -> [Table] {
        all.filter { includeConversations || !$0.isConversation }
    }
}

/// How one `prune` run goes.
public struct PruneRequest: Sendable {
    public var olderThanDays: Int
    public var includeConversations = false
    /// Count what would go, delete nothing.
    public var dryRun = false
    /// About how many rows one batch (one short transaction) may delete.
    public var batchRows = 5000
    /// Rest between batches, so autovacuum and the turns' own writes keep up.
    public var pause: Duration = .milliseconds(50)

    public init(olderThanDays: Int) {
        self.olderThanDays = olderThanDays
    }
}

/// What a run did (or, dry, would do) to one table.
public struct PrunedTable: Sendable, Equatable {
    public var table: String
    public var rows: Int
    /// Transactions that deleted at least one row (0 on a dry run).
    public var batches: Int
}

/// Deletes rows older than a cutoff in short transactions over ranges of heap pages (a TID range
/// scan, Postgres 14+): each batch reads only its pages and locks only the rows it deletes, so
/// concurrent turns, which insert new rows and never touch old ones, are not blocked, and no batch
/// rescans what an earlier one already emptied. Pages added after the run starts hold rows newer
/// than the cutoff and are not visited.
///
/// Each batch first locks the state rows of the users whose rows it deletes, in user order: the lock
/// order every operation on a user's rows keeps (`TurnSerialization`), so a batch never deadlocks
/// with an erase or a turn of one of those users; it waits for them, or they for it, a batch long.
public struct Retention: Sendable {
    let database: StoreDatabase
    /// The recall cache of this process, emptied after a batch deleted episodes (see
    /// `RecallWindowCache+Invalidation`); other instances see the bumped `control_version`.
    let recallWindows: RecallWindowCache?

    /// A run over `database`, which the caller runs and shuts down (tests bring their own pool).
    public init(database: PostgresClient) {
        self.init(database: StoreDatabase(client: database), recallWindows: nil)
    }

    init(database: StoreDatabase, recallWindows: RecallWindowCache?) {
        self.database = database
        self.recallWindows = recallWindows
    }

    /// The cutoff, by the database's clock (the rows' `created_at` are by it too), as text that
    /// round-trips exactly.
    static let cutoffSQL = "SELECT (now() - make_interval(days => $1::int))::text AS cutoff"

    /// Pages now in the table, and the planner's rows per page (0 when never analysed).
    static func sizeSQL(_ table: RetentionTables.Table) -> String {
        """
        SELECT (pg_relation_size(c.oid) / current_setting('block_size')::bigint)::bigint AS pages,
               CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE 0 END::float8 AS rows_per_page
        FROM pg_class c WHERE c.oid = 'public.\(table.name)'::regclass
        """
    }

    static func countSQL(_ table: RetentionTables.Table) -> String {
        "SELECT count(*)::bigint AS n FROM public.\(table.name) WHERE \(table.timeColumn) < $1::timestamptz"
    }

    /// The batch's lock on its users' state rows (`$1`…`$3` as in `deleteBatchSQL`), nil for a table
    /// whose rows name no user.
    static func lockUsersSQL(_ table: RetentionTables.Table) -> String? {
        guard let userColumn = table.userColumn else { return nil }
        return """
            SELECT 1 FROM public.sigmaris_persona_state
            WHERE user_id IN (
                SELECT t.\(userColumn)::text FROM public.\(table.name) t
                WHERE t.ctid >= format('(%s,0)', $1::bigint)::tid AND t.ctid < format('(%s,0)', $2::bigint)::tid
                  AND t.\(table.timeColumn) < $3::timestamptz
            )
            ORDER BY user_id FOR UPDATE
            """
    }

    /// `$1`, `$2` the first page of the range and the one after it, `$3` the cutoff; answers
    /// `deleted`. Deleted episodes bump their users' `control_version` in the same statement: an
    /// instance holding a recall window (`RecallWindowCache`) checks it, and a turn in flight that
    /// read them recomputes instead of committing over the pruned history.
    static func deleteBatchSQL(_ table: RetentionTables.Table) -> String {
        let delete = """
            DELETE FROM public.\(table.name)
            WHERE ctid >= format('(%s,0)', $1::bigint)::tid AND ctid < format('(%s,0)', $2::bigint)::tid
              AND \(table.timeColumn) < $3::timestamptz
            """
        guard table.isRecalled else {
            return "WITH gone AS (\(delete) RETURNING 1) SELECT count(*)::bigint AS deleted FROM gone"
        }
        return """
            WITH gone AS (\(delete) RETURNING user_id), invalidated AS (
                UPDATE public.sigmaris_persona_state SET control_version = control_version + 1
                WHERE user_id IN (SELECT user_id FROM gone)
            )
            SELECT count(*)::bigint AS deleted FROM gone
            """
    }

    /// Runs `request`; `progress` hears each table as it is finished.
    public func prune(
        _ request: PruneRequest, progress: @Sendable (PrunedTable) -> Void = { _ in }
    ) async throws -> [PrunedTable] {
        let cutoff = try await database.query(Self.cutoffSQL, [.int(request.olderThanDays)])[0].decode(String.self, "cutoff")
        var report = [PrunedTable]()
        for table in RetentionTables.selected(includeConversations: request.includeConversations) {
            let done = request.dryRun
                ? PrunedTable(table: table.name, rows: try await count(table, cutoff: cutoff), batches: 0)
                : try await delete(table, cutoff: cutoff, request: request)
            progress(done)
            report.append(done)
        }
        return report
    }

    private func count(_ table: RetentionTables.Table, cutoff: String) async throws -> Int {
        try await database.query(Self.countSQL(table), [.text(cutoff)])[0].decode(Int.self, "n")
    }

    private func delete(_ table: RetentionTables.Table, cutoff: String, request: PruneRequest) async throws -> PrunedTable {
        let size = try await database.query(Self.sizeSQL(table))[0]
        let pages = try size.decode(Int.self, "pages")
        let rowsPerPage = try size.decode(Double.self, "rows_per_page")
        // Without statistics, assume small rows (many per page) so a batch stays small.
        let pagesPerBatch = max(1, Int(Double(request.batchRows) / (rowsPerPage > 0 ? rowsPerPage : 100)))
        var done = PrunedTable(table: table.name, rows: 0, batches: 0)
        var start = 0
        while start < pages {
            let end = min(pages, start + pagesPerBatch)
            // Its own short transaction: the users' state rows, then their rows of the range.
            let parameters: [PostgresValue] = [.int(start), .int(end), .text(cutoff)]
            let deleted = try await database.withTransaction { connection in
                if let lock = Self.lockUsersSQL(table) { try connection.query(lock, parameters) }
                return try connection.query(Self.deleteBatchSQL(table), parameters)[0].decode(Int.self, "deleted")
            }
            if deleted > 0 {
                if table.isRecalled { recallWindows?.forgetAll() }
                done.rows += deleted
                done.batches += 1
                try await Task.sleep(for: request.pause)
            }
            start = end
        }
        return done
    }
}

extension SigmarisStore {
    /// Runs `request` on this store's database (`Retention`); `progress` hears each table as it is
    /// finished. Episodes it deletes empty this store's recall cache.
    public func prune(
        _ request: PruneRequest, progress: @Sendable (PrunedTable) -> Void = { _ in }
    ) async throws -> [PrunedTable] {
        try await Retention(database: database, recallWindows: recallWindows).prune(request, progress: progress)
    }
}
