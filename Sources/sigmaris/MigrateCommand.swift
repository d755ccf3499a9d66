import ArgumentParser
import SigmarisApp

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending SQL files in the migrations folder, in order, and exit."
    )

    @OptionGroup var options: EnvironmentOptions

    func run() async throws {
        let configuration = try options.loadConfiguration()
        // Checked before any connection, so a missing DATABASE_URL is exit 78 like every other
        // configuration refusal, not a failure found on the way.
        _ = try EnvironmentOptions.exitingOnConfigurationError { try configuration.requireDatabaseURL() }
        let logger = options.logger(configuration)
        let applied = try await applyMigrations(configuration: configuration, logger: logger)
        print(applied.isEmpty ? "database is up to date" : "applied: " + applied.joined(separator: ", "))
    }
}
