import Logging
import ServiceLifecycle
import SigmarisEngine
import SigmarisPostgres

/// The data-access layer's entry point: every database call of the service goes through here, so no
/// HTTP handler holds a connection, opens a transaction or can forget a user's RLS scope.
///
/// Persona turns run as the service's own role (the persona core tables are not the user's to write);
/// a signed-in user's own rows are reached through `rows(of:)`, where every call runs under that
/// user's scope.
///
/// It owns its state: the connection pool (built from a `StoreConfiguration`, run as a `Service`),
/// the recall cache (`RecallWindowCache`), which its own writes invalidate, and its errors (every
/// failure is a `StoreError`). Nothing of the database adapter is part of what it offers the
/// application, apart from `init(database:recallWindows:)` for tests that bring their own pool.
public struct SigmarisStore: Sendable, Service {
    let database: StoreDatabase
    /// Each user's recall window as this process last read or wrote it; nil when the cache is off.
    let recallWindows: RecallWindowCache?
    /// Which archive search the database allows, learned on first use (`archiveSearchPath()`).
    let archivePaths = ArchiveSearchPathCache()
    let logger: Logger

    /// A store over a pool of its own, which runs while the store runs as a service (or until
    /// `shutdown()`), and a recall cache of `configuration.recallCacheMegabytes`.
    public init(configuration: StoreConfiguration, logger: Logger, observers: StoreObservers = StoreObservers()) {
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: configuration.connectionString,
                poolSize: configuration.poolSize,
                connectTimeoutSeconds: configuration.connectTimeoutSeconds,
                leaseTimeout: configuration.leaseTimeout,
                preparedStatements: PreparedStatementMode(configuration.preparedStatements),
                statementTimeout: configuration.statementTimeout),
            logger: logger,
            leaseObserver: observers.poolWait)
        self.init(
            database: client,
            recallWindows: RecallWindowCache(megabytes: configuration.recallCacheMegabytes, lookupObserver: observers.recallLookup),
            logger: logger)
    }

    /// A store over `database`, which the caller runs and shuts down (tests bring their own pool).
    public init(database: PostgresClient, recallWindows: RecallWindowCache? = nil, logger: Logger = Logger(label: "sigmaris.store")) {
        self.database = StoreDatabase(client: database)
        self.recallWindows = recallWindows
        self.logger = logger
    }

    /// The rows a signed-in user may see and change, each call in its own scoped transaction.
    public func rows(of user: StoreUser) -> UserRows {
        UserRows(database: database, user: user, recallWindows: recallWindows)
    }

    /// True when the database answers (for `/readyz`).
    public func isReachable() async -> Bool {
        await database.isReachable()
    }

    // MARK: Persona turns

    /// What a turn starts from: the user's persisted state and recent episodes, the episodes from
    /// the recall cache when the window kept there is still the user's.
    public func loadMemory(userID: String) async throws -> PersonaMemory {
        try await loadMemory(userID: userID, recallWindows: recallWindows)
    }

    /// Writes everything a turn produced, and the exchange's chat rows when given, in one transaction
    /// that commits only if the user's `turn_count` is still `previousTurnCount` and their
    /// `control_version` still `controlVersion` (`StoreError.turnConflict` otherwise, and nothing is
    /// written). The persona rows leave out what the chat rows hold (`TurnFactsInChatRows`).
    public func commitTurn(
        _ turn: TurnResult, userID: String, previousTurnCount: Int, controlVersion: Int, tracing: Bool, chat: ChatRecord?
    ) async throws {
        let shared = TurnFactsInChatRows(turn, userID: userID, chat: chat)
        try await database.withTransaction { connection in
            try PersonaStateStore.commit(
                turn, userID: userID, previousTurnCount: previousTurnCount, controlVersion: controlVersion,
                tracing: tracing, factsInChatRows: shared, on: connection)
            if let chat {
                try UserRows.insert(chat, reply: turn.reply, meta: turn.meta, on: connection)
            }
        }
    }

    // MARK: Lifecycle

    /// Runs until graceful shutdown, then closes the pool's connections.
    public func run() async throws {
        try await database.client.run()
    }

    /// Closes the pool; for a store not run as a service (a command that migrates or prunes, then exits).
    public func shutdown() async {
        await database.client.shutdown()
    }
}

extension PreparedStatementMode {
    init(_ setting: StoreConfiguration.PreparedStatements) {
        switch setting {
        case .auto: self = .auto
        case .on: self = .on
        case .off: self = .off
        }
    }
}
