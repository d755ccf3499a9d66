import Hummingbird
import Logging
import SigmarisPostgres

/// The long-lived parts of a running service, created once and shared by the routes.
public struct AppServices: Sendable {
    public let configuration: SigmarisConfiguration
    public let database: PostgresClient

    public init(configuration: SigmarisConfiguration, logger: Logger) throws(ConfigurationError) {
        self.configuration = configuration
        self.database = try makeDatabaseClient(configuration: configuration, logger: logger)
    }
}

func makeDatabaseClient(configuration: SigmarisConfiguration, logger: Logger) throws(ConfigurationError) -> PostgresClient {
    PostgresClient(
        configuration: PostgresConfiguration(
            connectionString: try configuration.requireDatabaseURL(),
            poolSize: configuration.databasePoolSize,
            connectTimeoutSeconds: configuration.databaseConnectTimeoutSeconds),
        logger: logger)
}

/// Applies the pending files of the configured migrations folder; returns the names applied.
@discardableResult
func applyMigrations(database: PostgresClient, configuration: SigmarisConfiguration, logger: Logger) async throws -> [String] {
    let migrations = try Migration.load(from: configuration.migrationsURL)
    return try await MigrationRunner(client: database, logger: logger).migrate(migrations)
}

/// `sigmaris migrate`: the same migrations `serve` applies, with a client of its own.
public func applyMigrations(configuration: SigmarisConfiguration, logger: Logger) async throws -> [String] {
    let database = try makeDatabaseClient(configuration: configuration, logger: logger)
    do {
        let applied = try await applyMigrations(database: database, configuration: configuration, logger: logger)
        await database.shutdown()
        return applied
    } catch {
        await database.shutdown()
        throw error
    }
}

/// Builds the application that `sigmaris serve` runs and the tests drive.
/// Pending migrations are applied before the server accepts connections.
public func buildApplication(
    configuration: SigmarisConfiguration,
    logger: Logger,
    runMigrations: Bool = true
) throws -> some ApplicationProtocol {
    let services = try AppServices(configuration: configuration, logger: logger)
    let router = buildRouter(services: services)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sigmaris"),
        services: [services.database],
        logger: logger)
    if runMigrations {
        app.beforeServerStarts {
            try await applyMigrations(database: services.database, configuration: configuration, logger: logger)
        }
    }
    return app
}

/// The routes, in one place, so the whole HTTP surface reads top to bottom.
func buildRouter(services: AppServices) -> Router<SigmarisRequestContext> {
    let router = Router(context: SigmarisRequestContext.self)
    router.addMiddleware {
        RequestLogMiddleware()
        ErrorMiddleware()
    }
    HealthController(database: services.database).addRoutes(to: router)
    return router
}
