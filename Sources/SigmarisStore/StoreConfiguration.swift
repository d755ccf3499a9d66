/// How the store reaches its database and how much it keeps in memory: what `SigmarisStore(configuration:)`
/// builds its connection pool and its recall cache from.
public struct StoreConfiguration: Sendable {
    /// Whether connections keep their frequent statements prepared (`DATABASE_PREPARED_STATEMENTS`).
    /// Behind a transaction-mode pooler (Supabase's on port 6543, PgBouncer with `pool_mode =
    /// transaction`) a statement prepared on one server connection is missing on the next, so they
    /// must stay unnamed there.
    public enum PreparedStatements: String, Sendable, CaseIterable {
        /// On, unless the connection goes to port 6543 (Supabase's transaction pooler).
        case auto
        case on
        case off
    }

    /// A libpq connection string or URI (`DATABASE_URL`), handed to libpq unchanged.
    public var connectionString: String
    /// Connections kept at most (`DATABASE_POOL_SIZE`).
    public var poolSize: Int
    /// Seconds to establish a connection (`DATABASE_CONNECT_TIMEOUT`).
    public var connectTimeoutSeconds: Int
    /// How long a call waits for a connection when every one is busy (`DATABASE_POOL_TIMEOUT`).
    public var leaseTimeout: Duration
    public var preparedStatements: PreparedStatements
    /// How long one statement may run, lock waits included (`DATABASE_STATEMENT_TIMEOUT`).
    public var statementTimeout: Duration
    /// Megabytes of recall windows kept across turns (`SIGMARIS_RECALL_CACHE_MB`); 0 keeps none.
    public var recallCacheMegabytes: Int
    /// Whether events are written to the webhook outbox (a webhook URL is configured); without a
    /// receiver nothing is enqueued (`sql/0013_webhook_outbox.sql`).
    public var webhooksEnabled: Bool

    /// No defaults here: the application's configuration holds them (and documents them).
    public init(
        connectionString: String, poolSize: Int, connectTimeoutSeconds: Int, leaseTimeout: Duration,
        preparedStatements: PreparedStatements, statementTimeout: Duration, recallCacheMegabytes: Int,
        webhooksEnabled: Bool
    ) {
        self.connectionString = connectionString
        self.poolSize = poolSize
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.leaseTimeout = leaseTimeout
        self.preparedStatements = preparedStatements
        self.statementTimeout = statementTimeout
        self.recallCacheMegabytes = recallCacheMegabytes
        self.webhooksEnabled = webhooksEnabled
    }
}

/// What the store tells its owner while it works, for metrics. Plain closures, so the store needs
/// no metrics library and the application no database type.
public struct StoreObservers: Sendable {
    /// How long each wait for a pooled connection took (a connection, or the error when none came).
    public var poolWait: (@Sendable (Duration) -> Void)?
    /// Each look for a user's recall window: true when the kept window was used (a hit).
    public var recallLookup: (@Sendable (_ hit: Bool) -> Void)?

    public init(poolWait: (@Sendable (Duration) -> Void)? = nil, recallLookup: (@Sendable (_ hit: Bool) -> Void)? = nil) {
        self.poolWait = poolWait
        self.recallLookup = recallLookup
    }
}

/// What the store holds right now, read when `/metrics` is scraped.
public struct StoreUsage: Sendable, Equatable {
    /// The connection pool.
    public struct Pool: Sendable, Equatable {
        /// Connections on lease (or being opened), idle ones, calls waiting for one, and the most kept.
        public var inUse: Int
        public var idle: Int
        public var waiters: Int
        public var size: Int
    }

    public var pool: Pool
    /// The recall cache's counts (all zero when it is off).
    public var recallWindows: RecallWindowCache.Statistics
}
