/// How to reach Postgres and how many connections to keep.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string or URI (`postgresql://…` or `host=… dbname=…`), passed to libpq unchanged,
    /// so every libpq option (`sslmode=require`, `options=…`) works as documented by libpq.
    public var connectionString: String
    /// Upper bound of open connections; each gets its own thread while it works.
    public var poolSize: Int
    /// Seconds libpq may spend establishing a connection before the request fails (libpq `connect_timeout`).
    public var connectTimeoutSeconds: Int
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String
    /// How long a request may wait for a connection when every one is busy, before it fails as
    /// unavailable (a 503) rather than queueing without end.
    public var leaseTimeout: Duration
    /// Whether connections prepare their frequent statements (off behind a transaction pooler).
    public var preparedStatements: PreparedStatementMode
    /// How long one statement may run, lock waits included (`DATABASE_STATEMENT_TIMEOUT`); nil: no
    /// bound. Every transaction sets it on the server (`SET LOCAL statement_timeout`); the client
    /// cancels any statement still running a second later (`StatementDeadline`). See
    /// `TransactionStart` for why it is set per transaction and not per connection.
    public var statementTimeout: Duration?

    public init(
        connectionString: String,
        poolSize: Int = 10,
        connectTimeoutSeconds: Int = 5,
        applicationName: String = "sigmaris",
        leaseTimeout: Duration = .seconds(5),
        preparedStatements: PreparedStatementMode = .auto,
        statementTimeout: Duration? = .seconds(10)
    ) {
        self.connectionString = connectionString
        self.poolSize = max(1, poolSize)
        self.connectTimeoutSeconds = max(1, connectTimeoutSeconds)
        self.applicationName = applicationName
        self.leaseTimeout = max(.milliseconds(1), leaseTimeout)
        self.preparedStatements = preparedStatements
        self.statementTimeout = statementTimeout.map { max(.milliseconds(1), $0) }
    }
}
