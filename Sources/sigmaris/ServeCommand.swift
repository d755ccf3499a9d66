import ArgumentParser
import Hummingbird
import SigmarisApp

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Apply pending migrations, then serve HTTP until SIGINT or SIGTERM (then drain)."
    )

    @OptionGroup var options: EnvironmentOptions

    @Option(help: "Listen address (overrides HOST).") var host: String?
    @Option(help: "Listen port (overrides PORT).") var port: Int?
    @Flag(help: "Do not apply pending migrations before serving.") var skipMigrations = false

    func run() async throws {
        var overrides = [String: String]()
        if let host { overrides["HOST"] = host }
        if let port { overrides["PORT"] = String(port) }
        let configuration = try options.loadConfiguration(overrides: overrides, forServing: true)
        let logger = options.logger(configuration)
        let server = try EnvironmentOptions.exitingOnConfigurationError {
            try buildServer(configuration: configuration, logger: logger, runMigrations: !skipMigrations)
        }
        // Installs SIGINT/SIGTERM handlers and drains gracefully (`SigmarisServer`).
        try await server.run()
    }
}
