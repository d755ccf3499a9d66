import Hummingbird
@testable import SigmarisApp

/// An application built as `buildApplication` builds it (migrations before serving, the same server
/// and routes), with its `AppServices` kept, so a test can look at the state behind the routes
/// (the in-flight counts, the recall windows) while it drives them over HTTP.
enum ServicesApp {
    static func make(_ configuration: SigmarisConfiguration) throws -> (services: AppServices, app: some ApplicationProtocol) {
        var configuration = configuration
        configuration.port = 0
        let services = try AppServices(configuration: configuration, logger: TestConfiguration.logger)
        var app = Application(
            router: buildRouter(services: services), server: httpServer(configuration: configuration),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), services: services.lifecycleServices,
            logger: TestConfiguration.logger)
        app.beforeServerStarts { [configuration] in
            try await services.store.applyMigrations(from: configuration.migrationsURL)
            services.migrationsApplied.set()
        }
        return (services, app)
    }
}
